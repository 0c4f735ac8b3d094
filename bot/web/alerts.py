"""`POST /alerts/alertmanager`: Alertmanager's webhook (payload version 4), behind a credential.

The notification is recorded in one transaction before the answer (200), and the pages
and posts it decided are sent after it. A bad credential is answered 401, a bad body
400 (413 when too large, 415 when not JSON), each with a log line; a store that cannot
record is answered 503, so Alertmanager sends the notification again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.bootstrap import App
from bot.usecases.alerting import Receipt, receive_alerts, save_snapshot
from bot.web.auth import authorized, configured
from bot.web.body import BodyTooLargeError, read_body
from bot.web.metrics import WebMetrics
from topology.errors import AlertFormatError, SvcmapError
from topology.incidents.webhook import parse_webhook

MAX_BODY_BYTES = 4 * 1024 * 1024
"""Largest webhook body accepted; Alertmanager's `max_alerts` keeps real ones far smaller."""

_log = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]


def alerts_endpoint(app: App, metrics: WebMetrics, wake: Callable[[], None] | None) -> Endpoint:
    """The webhook handler: authorize, read, record; `wake` the sender after answering."""

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
        try:
            receipt = await run_in_threadpool(receive_alerts, app, group)
        except SvcmapError:
            _log.exception("could not record an alert notification")
            return _refused(metrics, "unavailable", 503, "the store is unavailable")
        recorded = receipt.recorded
        metrics.alert_notifications.labels(outcome=recorded.outcome.value).inc()
        answer = {"outcome": recorded.outcome.value, "incident": recorded.incident_id}
        return JSONResponse(answer, 200, background=BackgroundTask(_after, app, receipt, wake))

    return receive


def _after(app: App, receipt: Receipt, wake: Callable[[], None] | None) -> None:
    """After the answer: wake the sender, then save the incident's snapshot."""
    if wake is not None and receipt.recorded.to_send:
        wake()
    try:
        save_snapshot(app, receipt)
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
