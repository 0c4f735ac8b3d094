"""`POST /alerts/alertmanager`: Alertmanager's webhook (payload version 4), behind a credential.

With alert workers (`svcmap serve`), the notification is stored in the outbox and
answered 200 at once; a worker records it. Without (the demo, tests), it is recorded in
one transaction before the answer. Either way the pages and posts it decided are sent
after it. A bad credential is answered 401, a bad body 400 (413 when too large, 415
when not JSON), each with a log line; a store that cannot record, or an outbox with too
many waiting, is answered 503 with `Retry-After`, so Alertmanager sends it again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.bootstrap import App, alert_desk
from bot.usecases.alert_keys import alert_key_secret
from bot.usecases.alert_text import redacted_body
from bot.usecases.alerting import Receipt, receive_alerts, save_evidence
from bot.web.auth import authorized, configured
from bot.web.body import BodyTooLargeError, read_body
from bot.web.metrics import WebMetrics
from topology.errors import AlertFormatError, SvcmapError
from topology.incidents.model import AlertGroup
from topology.incidents.webhook import parse_webhook

if TYPE_CHECKING:
    from bot.alert_workers import AlertWorkers

MAX_BODY_BYTES = 4 * 1024 * 1024
"""Largest webhook body accepted; Alertmanager's `max_alerts` keeps real ones far smaller."""

_log = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]


QUEUE_FULL_RETRY_S = 30
"""What a 503 for an outbox with too many waiting asks Alertmanager to wait."""


def alerts_endpoint(
    app: App,
    metrics: WebMetrics,
    wake: Callable[[], None] | None,
    workers: AlertWorkers | None = None,
) -> Endpoint:
    """The webhook handler: authorize, read, then queue for `workers` or record at once.

    Recording at once, `wake` the sender after answering.
    """

    async def receive(request: Request) -> Response:
        peer = request.client.host if request.client else "unknown"
        refusal = _check_headers(app, metrics, request, peer)
        if refusal is not None:
            return refusal
        try:
            body = await read_body(request, limit=MAX_BODY_BYTES)
        except BodyTooLargeError:
            _log.warning("refused an alert from %s: body over %d bytes", peer, MAX_BODY_BYTES)
            return _refused(metrics, "bad_request", 413, f"body over {MAX_BODY_BYTES} bytes")
        try:
            group = parse_webhook(body)
        except AlertFormatError as error:
            _log.warning("refused an alert of %d bytes from %s: %s", len(body), peer, error)
            return _refused(metrics, "bad_request", 400, str(error))
        if workers is not None:
            # no label or annotation kept as it came; off the event loop, as a storm's is long
            labels, secret = app.settings.alert_labels, alert_key_secret(app.settings)
            kept = await run_in_threadpool(
                redacted_body, app.redaction, group, services=labels, key=secret
            )
            return await _queue(workers, metrics, kept, group)
        try:
            receipt = await run_in_threadpool(receive_alerts, alert_desk(app), group)
        except SvcmapError:
            _log.exception("could not record an alert notification")
            return _refused(metrics, "unavailable", 503, "the store is unavailable")
        recorded = receipt.recorded
        metrics.alert_notifications.labels(outcome=recorded.outcome.value).inc()
        answer = {"outcome": recorded.outcome.value, "incident": recorded.incident_id}
        return JSONResponse(answer, 200, background=BackgroundTask(_after, app, receipt, wake))

    return receive


async def _queue(
    workers: AlertWorkers, metrics: WebMetrics, body: bytes, group: AlertGroup
) -> Response:
    """Store the notification for the workers: 200 once stored, else 503 to send again."""
    try:
        queued = await run_in_threadpool(workers.accept, body, group)
    except SvcmapError:
        _log.exception("could not store an alert notification")
        return _refused(metrics, "unavailable", 503, "the store is unavailable")
    if queued is None:
        _log.warning("asked Alertmanager to send again: too many notifications wait")
        metrics.alert_notifications.labels(outcome="unavailable").inc()
        retry = {"retry-after": str(QUEUE_FULL_RETRY_S)}
        return JSONResponse({"error": "too many notifications wait"}, 503, headers=retry)
    metrics.alert_notifications.labels(outcome="queued").inc()
    return JSONResponse({"outcome": "queued", "queued": queued}, 200)


def _after(app: App, receipt: Receipt, wake: Callable[[], None] | None) -> None:
    """After the answer: wake the sender, then save the incident's snapshot."""
    if wake is not None and receipt.recorded.to_send:
        wake()
    try:
        save_evidence(alert_desk(app), receipt)
    except SvcmapError:
        _log.exception("could not save the snapshot of incident %s", receipt.recorded.key)


def _check_headers(app: App, metrics: WebMetrics, request: Request, peer: str) -> Response | None:
    """The answer refusing a request without a good credential or a JSON body, else None."""
    if not configured(app.settings):
        _log.warning("refused an alert from %s: no webhook credential is configured", peer)
        return _refused(metrics, "unauthorized", 401, "set SVCMAP_ALERT_TOKEN")
    if not authorized(request.headers.get("authorization"), app.settings):
        _log.warning("refused an alert from %s: missing or wrong credential", peer)
        return _refused(metrics, "unauthorized", 401, "missing or wrong credential")
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media != "application/json":
        _log.warning("refused an alert from %s: Content-Type is not JSON", peer)
        return _refused(metrics, "bad_request", 415, "send application/json")
    return None


def _refused(metrics: WebMetrics, outcome: str, status: int, message: str) -> Response:
    metrics.alert_notifications.labels(outcome=outcome).inc()
    return JSONResponse({"error": message}, status)
