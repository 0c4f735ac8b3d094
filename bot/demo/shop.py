"""The demo shop: its services, what each operation calls, and how long its own work takes.

Modelled on the OpenTelemetry demo: a proxy and a frontend, a dozen services over gRPC and
HTTP, Postgres, a Valkey cache, Kafka between checkout and its consumers, a feature-flag
service, and an uninstrumented payment API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CATALOG_FILE = Path(__file__).with_name("owners.yaml")
"""The demo's ownership catalog: services to teams, teams to channels."""

DEFAULT_SEED = 20260509
"""The seed of the shop's randomness, unless `svcmap demo --seed` gives another."""


@dataclass(frozen=True, slots=True)
class Rpc:
    """A call to another instrumented service's operation (`service:operation`)."""

    target: str
    chance: float = 1.0


@dataclass(frozen=True, slots=True)
class Leaf:
    """A call to a peer that reports no spans: a database, a cache, an external API."""

    peer: str
    name: str
    median_ms: float
    attrs: tuple[tuple[str, str], ...]
    chance: float = 1.0


@dataclass(frozen=True, slots=True)
class Publish:
    """A message to a Kafka topic, consumed by the operations `consumers` name."""

    topic: str
    consumers: tuple[str, ...]


Step = Rpc | Leaf | Publish


@dataclass(frozen=True, slots=True)
class Operation:
    """What one operation of a service does: its own work, then its steps in order."""

    service: str
    name: str
    work_ms: float
    steps: tuple[Step, ...] = ()
    errors: float = 0.001
    """How often it fails on its own, when nothing it calls failed."""


def _sql(statement: str, median_ms: float, chance: float = 1.0) -> Leaf:
    attrs = (("db.system", "postgresql"), ("db.name", "shop"), ("db.statement", statement))
    return Leaf(
        peer="postgres",
        name=statement.partition(" ")[0],
        median_ms=median_ms,
        attrs=attrs,
        chance=chance,
    )


def _cache(command: str, median_ms: float = 0.4) -> Leaf:
    return Leaf("valkey", command, median_ms, (("db.system", "redis"),))


FLAG = Rpc("flagd:ResolveBoolean", chance=0.3)
STRIPE = Leaf(
    "stripe-api",
    "POST /v1/charges",
    180.0,
    (("http.request.method", "POST"), ("server.address", "api.stripe.com")),
)

OPERATIONS: dict[str, Operation] = {
    op.service + ":" + op.name: op
    for op in (
        Operation("flagd", "ResolveBoolean", 0.3),
        Operation("image-provider", "GET /images", 3.0),
        Operation("currency", "Convert", 0.2),
        Operation("quote", "POST /getquote", 2.0),
        Operation("ad", "GetAds", 2.5, (FLAG,)),
        Operation("productcatalog", "GetProduct", 0.5, (FLAG, _sql("SELECT product", 1.5))),
        Operation("productcatalog", "ListProducts", 0.8, (_sql("SELECT products", 3.0),)),
        Operation("cart", "GetCart", 0.2, (_cache("HGET"),)),
        Operation("cart", "AddItem", 0.2, (_cache("HSET"), _cache("EXPIRE", 0.3))),
        Operation("cart", "EmptyCart", 0.2, (_cache("DEL"),)),
        Operation(
            "recommendation", "ListRecommendations", 4.0, (Rpc("productcatalog:ListProducts"),)
        ),
        Operation("shipping", "GetQuote", 0.5, (Rpc("quote:POST /getquote"),)),
        Operation("shipping", "ShipOrder", 0.8),
        Operation("email", "POST /send_order_confirmation", 12.0),
        Operation("payment", "Charge", 1.5, (STRIPE, _sql("INSERT payment", 2.5)), errors=0.005),
        Operation("accounting", "ProcessOrder", 0.5, (_sql("INSERT order", 3.0),)),
        Operation("frauddetection", "CheckOrder", 18.0, (FLAG,)),
        Operation(
            "checkout",
            "PlaceOrder",
            1.0,
            (
                Rpc("cart:GetCart"),
                Rpc("productcatalog:GetProduct"),
                Rpc("currency:Convert"),
                Rpc("shipping:GetQuote"),
                Rpc("payment:Charge"),
                Rpc("shipping:ShipOrder"),
                Rpc("cart:EmptyCart"),
                Rpc("email:POST /send_order_confirmation"),
                Publish("orders", ("accounting:ProcessOrder", "frauddetection:CheckOrder")),
            ),
        ),
        Operation(
            "frontend",
            "GET /",
            1.5,
            (Rpc("productcatalog:ListProducts"), Rpc("currency:Convert"), Rpc("cart:GetCart")),
        ),
        Operation(
            "frontend",
            "GET /api/products/{id}",
            1.0,
            (Rpc("productcatalog:GetProduct"), Rpc("currency:Convert")),
        ),
        Operation("frontend", "GET /api/data", 0.8, (Rpc("ad:GetAds"),)),
        Operation(
            "frontend",
            "GET /api/recommendations",
            0.8,
            (Rpc("recommendation:ListRecommendations"),),
        ),
        Operation(
            "frontend",
            "POST /api/cart",
            1.0,
            (Rpc("productcatalog:GetProduct"), Rpc("cart:AddItem")),
        ),
        Operation("frontend", "POST /api/checkout", 1.5, (Rpc("checkout:PlaceOrder"),)),
        Operation("frontend-proxy", "GET /images", 0.3, (Rpc("image-provider:GET /images"),)),
    )
}
"""Every operation, by `service:name`."""

ROUTES: tuple[tuple[str, float], ...] = (
    ("frontend:GET /", 0.16),
    ("frontend:GET /api/products/{id}", 0.22),
    ("frontend:GET /api/data", 0.12),
    ("frontend:GET /api/recommendations", 0.1),
    ("frontend:POST /api/cart", 0.1),
    ("frontend:POST /api/checkout", 0.2),
    ("frontend-proxy:GET /images", 0.1),
)
"""What visitors ask the proxy for, and how often; all but images go on to the frontend."""

ENTRY = "frontend-proxy"
"""Every request enters the shop here."""

SERVICES: tuple[str, ...] = tuple(sorted({op.service for op in OPERATIONS.values()}))
"""The instrumented services."""
PEERS: tuple[str, ...] = ("kafka", "postgres", "stripe-api", "valkey")
"""The peers that report no spans of their own."""
