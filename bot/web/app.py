"""The web app factory: every route of `svcmap serve`, over one built `App`."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence

import slack_bolt
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.adapters.slack.members import GroupMembers
from bot.alert_workers import AlertWorkers
from bot.bootstrap import App, build_receiver
from bot.usecases.receiving import Receiver
from bot.web import uploads
from bot.web.alerts import alerts_endpoint
from bot.web.connection_metrics import ClosedConnections
from bot.web.connections import Counts
from bot.web.deadline import StoreDeadline
from bot.web.guard import Guard, Protection, protection
from bot.web.health import Readiness, livez
from bot.web.incidents import IncidentFeed, StoredIncidents
from bot.web.metrics import RequestCounter, WebMetrics
from bot.web.name_metrics import RefusedNames
from bot.web.otlp import traces_endpoint
from bot.web.otlp_signals import logs_endpoint, metrics_endpoint
from bot.web.pairing_metrics import PairingMemory
from bot.web.panels import panel_routes
from bot.web.signin import MembersOf, signin_routes
from bot.web.slack import slack_endpoint
from bot.web.uploads import UploadDeadline
from bot.web.view import view_routes
from topology.signals.metrics import Cumulatives

WRITING_ROUTES = ("/v1/traces", "/v1/logs", "/v1/metrics", "/alerts/alertmanager")
"""The routes that store what they are sent: answered 503 when the store does not answer."""


def create_app(
    app: App,
    *,
    slack: slack_bolt.App | None = None,
    wake: Callable[[], None] | None = None,
    extra: Sequence[BaseRoute] = (),
    incidents: IncidentFeed | None = None,
    receiver: Receiver | None = None,
    listen_host: str | None = None,
    alert_workers: AlertWorkers | None = None,
    closed: Counts | None = None,
) -> Starlette:
    """A Starlette app: the web view at `/`, health, metrics, OTLP, alerts and Slack.

    Health: `/livez` answers while the process does; `/readyz` (and `/healthz`, the same)
    only while the database answers too. The routes that store are answered 503 (with
    `Retry-After`) when the store has not answered within `SVCMAP_INGEST_TIMEOUT`.

    `wake` is called after an alert recorded something to send (the sender's nudge);
    `extra` routes are added as they are (the demo's control); `incidents` feeds the web
    view's incident panel (empty when not given); `receiver` stores OTLP spans (a new one
    when not given; its waiting client spans are then stored by the next export after
    their wait, as nothing calls its `settle`). With `alert_workers`, the webhook queues
    each notification for them and answers at once; without, it records it before answering.
    `closed` is what the server's connection limits closed, shown on `/metrics`.

    Every route but health, Slack's and the webhook's is guarded (`bot.web.guard`) by the
    settings' allowed hosts (and `listen_host`, by default `SVCMAP_HTTP_HOST`), bearer
    tokens and sign-in.
    """
    metrics = WebMetrics()
    metrics.registry.register(RefusedNames(app.names))
    receiver = receiver or build_receiver(app)
    metrics.registry.register(PairingMemory(receiver.recent))
    if closed is not None:
        metrics.registry.register(ClosedConnections(closed))
    readiness = Readiness(app)

    async def prometheus(_: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    routes: list[BaseRoute] = [
        *extra,
        *view_routes(app, incidents or StoredIncidents(app.incidents)),
        *panel_routes(app),
        Route("/livez", livez, methods=["GET"]),
        Route("/readyz", readiness.endpoint, methods=["GET"]),
        Route("/healthz", readiness.endpoint, methods=["GET"]),
        Route("/metrics", prometheus, methods=["GET"]),
        Route("/v1/traces", traces_endpoint(app, metrics, receiver), methods=["POST"]),
        Route("/v1/logs", logs_endpoint(app, metrics), methods=["POST"]),
        Route("/v1/metrics", metrics_endpoint(app, metrics, Cumulatives()), methods=["POST"]),
        Route(
            "/alerts/alertmanager",
            alerts_endpoint(app, metrics, wake, alert_workers),
            methods=["POST"],
        ),
    ]
    secret = app.settings.slack_signing_secret
    if slack is not None and secret is not None:
        endpoint = slack_endpoint(slack, secret.get_secret_value())
        routes.append(Route("/slack/events", endpoint, methods=["POST"]))
    guard = protection(app.settings, app.settings.http_host if listen_host is None else listen_host)
    if guard.signin:
        routes.extend(signin_routes(app.settings, guard, members_of=_members_of(app)))
    deadline = Middleware(
        StoreDeadline, paths=WRITING_ROUTES, deadline_s=app.settings.ingest_timeout
    )
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestCounter, metrics=metrics),
            Middleware(UploadDeadline, timeout_s=uploads.UPLOAD_TIMEOUT_S),
            *_door(app, guard),
            deadline,
        ],
    )


def _door(app: App, guard: Protection) -> list[Middleware]:
    """The signed session cookie (sign-in, CSRF), then the guard reading it."""
    secret = app.settings.web_session_secret
    session = Middleware(
        SessionMiddleware,
        secret_key=secret.get_secret_value() if secret else secrets.token_urlsafe(32),
        session_cookie="svcmap_session",
        max_age=guard.lifetime_s,
        same_site="lax",
        https_only=app.settings.web_url.startswith("https://"),
    )
    return [session, Middleware(Guard, guard=guard)]


def _members_of(app: App) -> MembersOf | None:
    """Slack user groups' members, for sign-ins through Slack; None without a Slack client."""
    return GroupMembers(app.slack, app.clock).of if app.slack is not None else None
