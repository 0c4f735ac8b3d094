"""The one composition root: settings in, concrete adapters out."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import Engine

from bot.paging.pagerduty import PagerDutyPager
from bot.paging.ports import Notifier, Pager
from bot.paging.ratelimit import RateLimiter
from bot.settings import Settings
from topology.catalog_yaml import load_catalog
from topology.errors import CatalogError
from topology.incidents.model import PagingMode
from topology.ownership import Catalog
from topology.sources import (
    EdgeSource,
    JaegerTraceSource,
    PrometheusEdgeSource,
    TempoTraceSource,
    TraceSource,
    ZipkinTraceSource,
)
from topology.store.engine import make_engine, upgrade
from topology.store.incidents import IncidentLog
from topology.store.repository import Store
from topology.store.sources_state import SourceStates

Source = TraceSource | EdgeSource
"""A live source: traces to link, or edges summed elsewhere."""

PAGER_TIMEOUT_S = 10.0
"""How long one request to PagerDuty may take before it counts as failed (and is retried)."""


@dataclass(frozen=True, slots=True)
class App:
    """Everything a use case needs, built once per process."""

    settings: Settings
    store: Store
    catalog: Catalog
    clock: Callable[[], float]
    engine: Engine
    states: SourceStates
    incidents: IncidentLog
    sources: list[Source] = field(default_factory=list)
    clients: list[httpx.Client] = field(default_factory=list)
    pager: Pager | None = None
    """Sends pages; None unless the paging mode is `on`."""
    notifier: Notifier | None = None
    """Posts incident notices in Slack; None until a Slack app is configured."""

    def now(self) -> int:
        """The current time in Unix seconds."""
        return int(self.clock())

    def close(self) -> None:
        """Release the sources' HTTP clients and the database connections."""
        for client in self.clients:
            client.close()
        self.engine.dispose()

    def __enter__(self) -> App:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def read_catalog(path: Path | None) -> Catalog:
    """The ownership catalog at `path`, or an empty one when none is configured."""
    if path is None:
        return Catalog()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogError(f"{path}: cannot read the catalog: {error.strerror}") from None
    return load_catalog(text, source=str(path))


def build_sources(settings: Settings) -> tuple[list[Source], list[httpx.Client]]:
    """One HTTP client per configured source, and the adapter over it: the only place."""
    sources: list[Source] = []
    clients: list[httpx.Client] = []

    def client(url: str) -> httpx.Client:
        made = httpx.Client(base_url=url, timeout=settings.source_timeout)
        clients.append(made)
        return made

    if settings.jaeger_url:
        sources.append(JaegerTraceSource(client(settings.jaeger_url)))
    if settings.zipkin_url:
        sources.append(ZipkinTraceSource(client(settings.zipkin_url)))
    if settings.tempo_url:
        tenant = settings.tempo_tenant
        sources.append(TempoTraceSource(client(settings.tempo_url), tenant=tenant))
    if settings.prometheus_url:
        sources.append(PrometheusEdgeSource(client(settings.prometheus_url)))
    return sources, clients


def build_pager(settings: Settings) -> tuple[Pager | None, list[httpx.Client]]:
    """The PagerDuty pager and its HTTP client when paging is `on`; else nothing."""
    if settings.paging_mode is not PagingMode.ON:
        return None, []
    client = httpx.Client(base_url=settings.pagerduty_events_url, timeout=PAGER_TIMEOUT_S)
    limiter = RateLimiter(clock=time.monotonic, sleep=time.sleep)
    return PagerDutyPager(client, limiter=limiter), [client]


def build_app(settings: Settings, *, clock: Callable[[], float] = time.time) -> App:
    """Build the store (migrated to the current schema), the catalog, sources and pager."""
    engine = make_engine(settings.database_url)
    upgrade(engine)
    sources, clients = build_sources(settings)
    pager, pager_clients = build_pager(settings)
    return App(
        settings=settings,
        store=Store(engine),
        catalog=read_catalog(settings.catalog_file),
        clock=clock,
        engine=engine,
        states=SourceStates(engine),
        incidents=IncidentLog(engine),
        sources=sources,
        clients=clients + pager_clients,
        pager=pager,
    )
