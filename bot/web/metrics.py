"""Prometheus metrics of one web app, in a registry of its own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_ROUTES = frozenset(
    {
        "/healthz",
        "/livez",
        "/readyz",
        "/metrics",
        "/v1/traces",
        "/v1/logs",
        "/v1/metrics",
        "/alerts/alertmanager",
        "/",
    }
)


class WebMetrics:
    """The counters and histograms `/metrics` shows."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.spans_received = Counter(
            "svcmap_otlp_spans_received", "Spans in OTLP exports received.", registry=self.registry
        )
        self.spans_accepted = Counter(
            "svcmap_otlp_spans_accepted", "Spans received and stored.", registry=self.registry
        )
        self.spans_rejected = Counter(
            "svcmap_otlp_spans_rejected",
            "Spans received but not usable (no valid ids).",
            registry=self.registry,
        )
        self.signal_items = Counter(
            "svcmap_otlp_signal_items",
            "Log records and metric points received over OTLP, by signal (logs, metrics) and "
            "outcome: stored; duplicate (a log record stored before); capped (a log record "
            "counted under the other template, a metric point of a name past the cap, dropped); "
            "rejected (an absurd time or value); names_refused (its service a new name past the "
            "caps on new names, dropped).",
            ["signal", "outcome"],
            registry=self.registry,
        )
        self.requests = Counter(
            "svcmap_http_requests",
            "HTTP requests answered, by route and status.",
            ["route", "status"],
            registry=self.registry,
        )
        self.alert_notifications = Counter(
            "svcmap_alert_notifications",
            "Alertmanager notifications received, by what became of them.",
            ["outcome"],
            registry=self.registry,
        )
        self.ingest_seconds = Histogram(
            "svcmap_otlp_ingest_seconds",
            "Time to parse, link and store one OTLP export.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=self.registry,
        )


class RequestCounter:
    """ASGI middleware counting each HTTP answer by route (known routes only) and status."""

    def __init__(self, app: ASGIApp, *, metrics: WebMetrics) -> None:
        self._app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, counting the answer's status."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        path = scope.get("path", "")
        route = path if path in _ROUTES else "other"
        status = 500

        async def counting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, counting_send)
        finally:
            self._metrics.requests.labels(route=route, status=str(status)).inc()
