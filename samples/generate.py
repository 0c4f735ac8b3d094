"""Write the sample traces of a small online shop as Zipkin, Jaeger and OTLP JSON.

Run from the repository root: `python3 samples/generate.py`. The same seed writes the
same bytes. The shop is modelled on the OpenTelemetry demo: a frontend, a dozen gRPC
and HTTP services, Postgres, Redis, Kafka, and an uninstrumented payment API. Payments
fail now and then, and often in one stretch of the two hours (the incident).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

SEED = 20260509
END = datetime(2026, 5, 1, 3, tzinfo=UTC)
START = END - timedelta(hours=2)
INCIDENT = (END - timedelta(minutes=50), END - timedelta(minutes=30))
"""When the payment API is failing: 02:10 to 02:30 UTC."""

TRACES = 300
OUT = Path(__file__).parent / "traces"
US = 1_000_000

BASE_PAYMENT_ERRORS = 0.02
INCIDENT_PAYMENT_ERRORS = 0.5

PORTS = {
    "frontend": 8080,
    "checkout": 5050,
    "cart": 7070,
    "payment": 50051,
    "currency": 7001,
    "shipping": 50050,
    "email": 6060,
    "recommendation": 9001,
    "productcatalog": 3550,
    "ad": 9555,
    "quote": 8090,
    "accounting": 8093,
    "frauddetection": 8094,
}
"""Instrumented services and the port each listens on."""

ADDRESSES = {name: f"10.42.{index // 4}.{10 + index}" for index, name in enumerate(PORTS)}
LANGUAGES = {
    "frontend": "nodejs",
    "checkout": "go",
    "cart": "dotnet",
    "payment": "nodejs",
    "currency": "cpp",
    "shipping": "rust",
    "email": "ruby",
    "recommendation": "python",
    "productcatalog": "go",
    "ad": "java",
    "quote": "php",
    "accounting": "dotnet",
    "frauddetection": "java",
}
B3_SHARED = frozenset({"currency", "email", "quote", "cart"})
"""Callees whose server spans reuse the client's span id in the Zipkin file (B3 style)."""

Attrs = dict[str, str | int]


@dataclass(slots=True)
class Sp:
    """A span of the model, before it is written in one format or another.

    `peer` names the remote side; `tag_peer` says whether instrumentation would tell it
    (as `peer.service`) in Jaeger and OTLP: always for databases, brokers and external
    APIs, never for calls between instrumented services.
    """

    span_id: str
    parent_id: str | None
    service: str
    kind: str | None
    name: str
    start_us: int
    duration_us: int = 0
    error: bool = False
    peer: str | None = None
    tag_peer: bool = False
    attrs: Attrs = field(default_factory=dict)


@dataclass(slots=True)
class Trace:
    """One trace being built: its spans, and the randomness and moment it is built with."""

    rng: random.Random
    trace_id: str
    at_us: int
    spans: list[Sp] = field(default_factory=list)

    @property
    def incident(self) -> bool:
        """Whether the trace starts while the payment API is failing."""
        start, end = (int(moment.timestamp()) * US for moment in INCIDENT)
        return start <= self.at_us < end

    def new_id(self) -> str:
        """A fresh 64-bit span id."""
        return f"{self.rng.getrandbits(64):016x}"

    def ms(self, median: float, spread: float = 0.45) -> int:
        """A lognormal duration in microseconds around `median` milliseconds."""
        return max(20, int(median * 1000 * math.exp(self.rng.gauss(0.0, spread))))

    def span(
        self, parent: Sp | None, service: str, kind: str | None, name: str, start_us: int
    ) -> Sp:
        """Start a span of `service` under `parent`."""
        span = Sp(
            span_id=self.new_id(),
            parent_id=parent.span_id if parent else None,
            service=service,
            kind=kind,
            name=name,
            start_us=start_us,
        )
        self.spans.append(span)
        return span

    def rpc(
        self, caller: Sp, callee: str, name: str, start_us: int, handler: Handler
    ) -> tuple[int, bool]:
        """A call from `caller` to an instrumented service; returns its end and error."""
        client = self.span(caller, caller.service, "client", name, start_us)
        client.peer = callee
        server = self.span(client, callee, "server", name, start_us + self.ms(0.4, 0.3))
        server.peer = caller.service
        end = handler(self, server)
        server.duration_us = end - server.start_us
        client.duration_us = end + self.ms(0.4, 0.3) - start_us
        client.error = server.error
        return client.start_us + client.duration_us, client.error

    def leaf(
        self,
        caller: Sp,
        peer: str,
        name: str,
        start_us: int,
        *,
        median_ms: float,
        attrs: Attrs,
        error: bool = False,
    ) -> int:
        """A call from `caller` to an uninstrumented peer; returns its end."""
        client = self.span(caller, caller.service, "client", name, start_us)
        client.peer, client.tag_peer, client.attrs, client.error = peer, True, attrs, error
        client.duration_us = self.ms(median_ms)
        return start_us + client.duration_us

    def chance(self, probability: float) -> bool:
        """True with the given probability."""
        return self.rng.random() < probability


Handler = Callable[[Trace, Sp], int]
"""Serves a request in a server span; sets its error and returns when it ended."""

POSTGRES: Attrs = {"db.system": "postgresql", "db.name": "shop"}
REDIS: Attrs = {"db.system": "redis"}
KAFKA: Attrs = {"messaging.system": "kafka", "messaging.destination.name": "orders"}


def _sql(statement: str) -> Attrs:
    return {**POSTGRES, "db.statement": statement}


def _redis(command: str) -> Attrs:
    return {**REDIS, "db.statement": command}


def _http_post(status: int) -> Attrs:
    return {
        "http.request.method": "POST",
        "server.address": "api.stripe.com",
        "http.response.status_code": status,
    }


def get_product(t: Trace, server: Sp) -> int:
    """productcatalog: one product from Postgres."""
    server.error = t.chance(0.004)
    end = t.leaf(
        server,
        "postgres",
        "SELECT shop.products",
        server.start_us + t.ms(0.3),
        median_ms=1.5,
        attrs=_sql("SELECT * FROM products WHERE id = $1"),
        error=server.error,
    )
    return end + t.ms(0.2)


def list_products(t: Trace, server: Sp) -> int:
    """productcatalog: the catalogue from Postgres."""
    end = t.leaf(
        server,
        "postgres",
        "SELECT shop.products",
        server.start_us + t.ms(0.3),
        median_ms=3.0,
        attrs=_sql("SELECT * FROM products"),
    )
    return end + t.ms(0.8)


def convert(t: Trace, server: Sp) -> int:
    """currency: a conversion, all in memory."""
    return server.start_us + t.ms(0.15, 0.3)


def get_cart(t: Trace, server: Sp) -> int:
    """cart: the cart from Redis."""
    end = t.leaf(
        server,
        "redis",
        "HGET",
        server.start_us + t.ms(0.2),
        median_ms=0.4,
        attrs=_redis("HGET cart"),
    )
    return end + t.ms(0.1)


def add_item(t: Trace, server: Sp) -> int:
    """cart: an item written to Redis, with the cart's expiry renewed."""
    end = t.leaf(
        server,
        "redis",
        "HSET",
        server.start_us + t.ms(0.2),
        median_ms=0.5,
        attrs=_redis("HSET cart"),
    )
    end = t.leaf(server, "redis", "EXPIRE", end, median_ms=0.3, attrs=_redis("EXPIRE cart"))
    return end + t.ms(0.1)


def empty_cart(t: Trace, server: Sp) -> int:
    """cart: the cart deleted from Redis."""
    return t.leaf(
        server, "redis", "DEL", server.start_us + t.ms(0.2), median_ms=0.4, attrs=_redis("DEL cart")
    )


def get_ads(t: Trace, server: Sp) -> int:
    """ad: ads chosen in memory."""
    return server.start_us + t.ms(2.5)


def recommend(t: Trace, server: Sp) -> int:
    """recommendation: products from the catalogue, filtered."""
    end, _ = t.rpc(
        server,
        "productcatalog",
        "oteldemo.ProductCatalogService/ListProducts",
        server.start_us + t.ms(1.0),
        list_products,
    )
    return end + t.ms(4.0)


def quote(t: Trace, server: Sp) -> int:
    """quote: a shipping price computed in PHP."""
    return server.start_us + t.ms(2.0)


def get_quote(t: Trace, server: Sp) -> int:
    """shipping: a price asked of the quote service."""
    end, _ = t.rpc(server, "quote", "POST /getquote", server.start_us + t.ms(0.5), quote)
    return end + t.ms(0.3)


def ship_order(t: Trace, server: Sp) -> int:
    """shipping: a tracking id made up."""
    return server.start_us + t.ms(0.8)


def charge(t: Trace, server: Sp) -> int:
    """payment: the card charged through the external API, the charge recorded."""
    rate = INCIDENT_PAYMENT_ERRORS if t.incident else BASE_PAYMENT_ERRORS
    failed = t.chance(rate)
    median = 900.0 if t.incident else 180.0
    end = t.leaf(
        server,
        "stripe-api",
        "POST /v1/charges",
        server.start_us + t.ms(1.5),
        median_ms=median,
        attrs=_http_post(502 if failed else 200),
        error=failed,
    )
    server.error = failed
    if not failed:
        end = t.leaf(
            server,
            "postgres",
            "INSERT shop.payments",
            end,
            median_ms=2.5,
            attrs=_sql("INSERT INTO payments VALUES ($1, $2, $3)"),
        )
    return end + t.ms(0.5)


def send_confirmation(t: Trace, server: Sp) -> int:
    """email: the confirmation rendered and sent."""
    return server.start_us + t.ms(12.0)


def record_order(t: Trace, server: Sp) -> int:
    """accounting: the order written to the ledger."""
    end = t.leaf(
        server,
        "postgres",
        "INSERT shop.orders",
        server.start_us + t.ms(0.5),
        median_ms=3.0,
        attrs=_sql("INSERT INTO orders VALUES ($1, $2)"),
    )
    return end + t.ms(0.3)


def check_fraud(t: Trace, server: Sp) -> int:
    """frauddetection: the order scored."""
    return server.start_us + t.ms(18.0)


def _publish(t: Trace, checkout: Sp, start_us: int) -> int:
    """Publish checkout's order to Kafka, for accounting and frauddetection to consume."""
    producer = t.span(checkout, "checkout", "producer", "orders publish", start_us)
    producer.peer, producer.tag_peer, producer.attrs = "kafka", True, dict(KAFKA)
    producer.duration_us = t.ms(2.0)
    end = start_us + producer.duration_us
    for service, handler in (("accounting", record_order), ("frauddetection", check_fraud)):
        consumer = t.span(producer, service, "consumer", "orders process", end + t.ms(40.0, 0.8))
        consumer.peer, consumer.tag_peer, consumer.attrs = "kafka", True, dict(KAFKA)
        consumer.duration_us = handler(t, consumer) - consumer.start_us
    return end


def place_order(t: Trace, server: Sp) -> int:
    """checkout: the cart priced and shipped, the card charged, the order confirmed."""
    prepare = t.span(
        server,
        "checkout",
        None,
        "prepareOrderItemsAndShippingQuoteFromCart",
        server.start_us + t.ms(0.5),
    )
    cursor, _ = t.rpc(prepare, "cart", "oteldemo.CartService/GetCart", prepare.start_us, get_cart)
    for _ in range(t.rng.choice((1, 1, 2))):
        cursor, _ = t.rpc(
            prepare,
            "productcatalog",
            "oteldemo.ProductCatalogService/GetProduct",
            cursor,
            get_product,
        )
        cursor, _ = t.rpc(prepare, "currency", "oteldemo.CurrencyService/Convert", cursor, convert)
    cursor, _ = t.rpc(prepare, "shipping", "oteldemo.ShippingService/GetQuote", cursor, get_quote)
    prepare.duration_us = cursor - prepare.start_us
    cursor, failed = t.rpc(server, "payment", "oteldemo.PaymentService/Charge", cursor, charge)
    server.error = failed
    if failed:
        return cursor + t.ms(0.3)
    cursor, _ = t.rpc(server, "shipping", "oteldemo.ShippingService/ShipOrder", cursor, ship_order)
    cursor, _ = t.rpc(server, "cart", "oteldemo.CartService/EmptyCart", cursor, empty_cart)
    cursor, _ = t.rpc(server, "email", "POST /send_order_confirmation", cursor, send_confirmation)
    return _publish(t, server, cursor) + t.ms(0.3)


def _frontend_calls(t: Trace, server: Sp, calls: list[tuple[str, str, Handler]]) -> int:
    cursor = server.start_us + t.ms(1.0)
    for callee, name, handler in calls:
        cursor, failed = t.rpc(server, callee, name, cursor, handler)
        server.error = server.error or failed
    return cursor + t.ms(1.5)


CART = ("cart", "oteldemo.CartService/GetCart", get_cart)
CURRENCY = ("currency", "oteldemo.CurrencyService/Convert", convert)
PRODUCT = ("productcatalog", "oteldemo.ProductCatalogService/GetProduct", get_product)
CATALOG = ("productcatalog", "oteldemo.ProductCatalogService/ListProducts", list_products)
ADS = ("ad", "oteldemo.AdService/GetAds", get_ads)
RECOMMEND = ("recommendation", "oteldemo.RecommendationService/ListRecommendations", recommend)

PAGES: dict[str, tuple[float, list[tuple[str, str, Handler]]]] = {
    "GET /": (0.16, [CATALOG, CURRENCY, CART]),
    "GET /api/products/{id}": (0.24, [PRODUCT, CURRENCY]),
    "GET /api/data": (0.12, [ADS]),
    "GET /api/recommendations": (0.1, [RECOMMEND]),
    "POST /api/cart": (0.1, [PRODUCT, ("cart", "oteldemo.CartService/AddItem", add_item)]),
    "POST /api/checkout": (
        0.28,
        [("checkout", "oteldemo.CheckoutService/PlaceOrder", place_order)],
    ),
}
"""The frontend's routes: how often each is hit, and whom it calls in turn."""


def make_trace(rng: random.Random, at_us: int) -> Trace:
    """One request through the shop, starting at the frontend at `at_us`."""
    trace = Trace(rng, f"{rng.getrandbits(128):032x}", at_us)
    routes = list(PAGES)
    route = rng.choices(routes, weights=[PAGES[r][0] for r in routes])[0]
    server = trace.span(None, "frontend", "server", route, at_us)
    server.duration_us = _frontend_calls(trace, server, PAGES[route][1]) - at_us
    return trace


# --- writing the formats ------------------------------------------------------------------


def _zipkin_span(
    trace: Trace, span: Sp, ids: dict[str, str], parents: dict[str, str | None]
) -> dict[str, object]:
    shared = span.span_id in ids
    out: dict[str, object] = {"traceId": trace.trace_id}
    parent = parents.get(span.span_id) if shared else span.parent_id
    if parent is not None:
        out["parentId"] = ids.get(parent, parent)
    out["id"] = ids.get(span.span_id, span.span_id)
    if span.kind:
        out["kind"] = span.kind.upper()
    out |= {
        "name": span.name.lower(),
        "timestamp": span.start_us,
        "duration": span.duration_us,
        "localEndpoint": {
            "serviceName": span.service,
            "ipv4": ADDRESSES[span.service],
            "port": PORTS[span.service],
        },
    }
    if span.kind == "server":
        out["remoteEndpoint"] = {"ipv4": ADDRESSES.get(span.peer or "", "10.42.9.9")}
    elif span.peer is not None:
        out["remoteEndpoint"] = {"serviceName": span.peer}
    tags = {key: str(value) for key, value in span.attrs.items()}
    if span.error:
        tags["error"] = "UNAVAILABLE" if span.kind else "true"
    if tags:
        out["tags"] = tags
    if shared:
        out["shared"] = True
    return out


def to_zipkin(traces: list[Trace]) -> list[dict[str, object]]:
    """Zipkin v2: a flat list of spans; servers of B3 callees share their client's id."""
    spans: list[dict[str, object]] = []
    for trace in traces:
        by_id = {span.span_id: span for span in trace.spans}
        ids = {
            span.span_id: span.parent_id
            for span in trace.spans
            if span.kind == "server" and span.service in B3_SHARED and span.parent_id
        }
        parents = {server: by_id[client].parent_id for server, client in ids.items()}
        spans.extend(_zipkin_span(trace, span, ids, parents) for span in trace.spans)
    return spans


def _jaeger_tag(key: str, value: object) -> dict[str, object]:
    kind = "bool" if isinstance(value, bool) else "int64" if isinstance(value, int) else "string"
    return {"key": key, "type": kind, "value": value}


def _jaeger_span(trace: Trace, span: Sp, process: str) -> dict[str, object]:
    references = []
    if span.parent_id is not None:
        ref = "FOLLOWS_FROM" if span.kind == "consumer" else "CHILD_OF"
        references.append({"refType": ref, "traceID": trace.trace_id, "spanID": span.parent_id})
    tags = [_jaeger_tag("span.kind", span.kind)] if span.kind else []
    if span.tag_peer and span.peer:
        tags.append(_jaeger_tag("peer.service", span.peer))
    tags.extend(_jaeger_tag(key, value) for key, value in span.attrs.items())
    if span.error:
        tags.append(_jaeger_tag("error", True))
    return {
        "traceID": trace.trace_id,
        "spanID": span.span_id,
        "operationName": span.name,
        "references": references,
        "startTime": span.start_us,
        "duration": span.duration_us,
        "tags": tags,
        "logs": [],
        "processID": process,
    }


def to_jaeger(traces: list[Trace]) -> dict[str, object]:
    """Jaeger's query API (v1) document: traces with their processes."""
    data = []
    for trace in traces:
        processes: dict[str, str] = {}
        for span in trace.spans:
            processes.setdefault(span.service, f"p{len(processes) + 1}")
        data.append(
            {
                "traceID": trace.trace_id,
                "spans": [
                    _jaeger_span(trace, span, processes[span.service]) for span in trace.spans
                ],
                "processes": {
                    process: {
                        "serviceName": service,
                        "tags": [
                            _jaeger_tag("hostname", f"{service}-7d9f{PORTS[service] % 997:03d}"),
                            _jaeger_tag("ip", ADDRESSES[service]),
                        ],
                    }
                    for service, process in processes.items()
                },
                "warnings": None,
            }
        )
    return {"data": data, "total": 0, "limit": 0, "offset": 0, "errors": None}


OTLP_KINDS = {None: 1, "server": 2, "client": 3, "producer": 4, "consumer": 5}


def _otlp_value(value: str | int) -> dict[str, object]:
    return {"intValue": str(value)} if isinstance(value, int) else {"stringValue": value}


def _otlp_span(trace: Trace, span: Sp) -> dict[str, object]:
    attrs: Attrs = {}
    if span.tag_peer and span.peer and span.peer not in ("redis", "kafka"):
        attrs["peer.service"] = span.peer  # Redis and Kafka are named by db/messaging.system
    attrs |= span.attrs
    out: dict[str, object] = {"traceId": trace.trace_id, "spanId": span.span_id}
    if span.parent_id is not None:
        out["parentSpanId"] = span.parent_id
    end_us = span.start_us + span.duration_us
    out |= {
        "name": span.name,
        "kind": OTLP_KINDS[span.kind],
        "startTimeUnixNano": str(span.start_us * 1000),
        "endTimeUnixNano": str(end_us * 1000),
        "status": {"code": 2, "message": "request failed"} if span.error else {},
    }
    if attrs:  # OTLP/JSON leaves out empty fields
        out["attributes"] = [{"key": k, "value": _otlp_value(v)} for k, v in attrs.items()]
    return out


def to_otlp(traces: list[Trace]) -> dict[str, object]:
    """OTLP/JSON as an exporter sends it: spans grouped by the service that reported them."""
    by_service: dict[str, list[dict[str, object]]] = {}
    for trace in traces:
        for span in trace.spans:
            by_service.setdefault(span.service, []).append(_otlp_span(trace, span))
    resource_spans = [
        {
            "resource": {
                "attributes": [
                    {"key": "service.name", "value": {"stringValue": service}},
                    {"key": "service.namespace", "value": {"stringValue": "shop"}},
                    {"key": "telemetry.sdk.language", "value": {"stringValue": LANGUAGES[service]}},
                ]
            },
            "scopeSpans": [
                {"scope": {"name": f"shop.{service}", "version": "1.0.0"}, "spans": spans}
            ],
        }
        for service, spans in by_service.items()
    ]
    return {"resourceSpans": resource_spans}


# --- files --------------------------------------------------------------------------------

FLAT_KEYS = frozenset({"processes", "resource", "scope"})


def dump(value: object, indent: int = 0, key: str | None = None) -> str:
    """JSON with one span (or process table) per line: compact, yet readable in a diff."""
    is_span = isinstance(value, dict) and ("id" in value or "spanID" in value or "spanId" in value)
    if is_span or key in FLAT_KEYS or not isinstance(value, dict | list) or not value:
        return json.dumps(value, separators=(",", ":"))
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(value, list):
        items = [inner + dump(item, indent + 1) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    fields = [f"{inner}{json.dumps(k)}:{dump(v, indent + 1, k)}" for k, v in value.items()]
    return "{\n" + ",\n".join(fields) + "\n" + pad + "}"


def main() -> None:
    """Generate the traces and write the three files."""
    rng = random.Random(SEED)  # noqa: S311 - sample data, not secrets
    start_us, end_us = int(START.timestamp()) * US, int(END.timestamp()) * US
    step = (end_us - start_us - 5 * US) // TRACES  # steady traffic, jittered
    moments = [start_us + index * step + rng.randrange(step) for index in range(TRACES)]
    traces = [make_trace(rng, moment) for moment in moments]
    writers: dict[str, Callable[[list[Trace]], object]] = {
        "shop-zipkin.json": to_zipkin,
        "shop-jaeger.json": to_jaeger,
        "shop-otlp.json": to_otlp,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    for index, (name, writer) in enumerate(writers.items()):
        share = traces[index :: len(writers)]  # every file covers the whole two hours
        (OUT / name).write_text(dump(writer(share)) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
