"""The one composition root: settings in, concrete adapters out."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from bot.catalogs import LiveCatalog
from bot.usecases.graphs import GraphCache
from bot.usecases.minute_cache import MinuteCache
from topology.cardinality import NameGate, NameLimits
from topology.errors import CatalogError, SettingsError, SvcmapError
from topology.incidents.model import PagingMode
from topology.ownership import Catalog
from topology.redaction import Redaction, redaction_of

if TYPE_CHECKING:
    import httpx
    from slack_sdk import WebClient
    from sqlalchemy import Engine

    from bot.adapters.paging.ports import Notifier, Pager
    from bot.adapters.sources import CatalogSource, EdgeSource, SignalSource, TraceSource
    from bot.adapters.sources.retry import Pacing
    from bot.adapters.store.incidents import IncidentLog
    from bot.adapters.store.ports import IncidentReader, SeriesStore, StateStore
    from bot.adapters.store.repository import Store
    from bot.adapters.store.sources_state import SourceStates
    from bot.demo.clock import DemoClock
    from bot.demo.running import Demo
    from bot.demo.simulator import Traffic
    from bot.settings import Settings
    from bot.usecases.alerting import AlertDesk
    from bot.usecases.asking import AskDesk
    from bot.usecases.browsing import BrowseDesk, PreviewDesk
    from bot.usecases.dispatching import DispatchDesk
    from bot.usecases.early_warnings import HeadsUp
    from bot.usecases.edge_over_time import CallDesk
    from bot.usecases.importing import ImportDesk
    from bot.usecases.ranking_inputs import WindowInputs
    from bot.usecases.receiving import Receiver
    from bot.usecases.refresh import Refreshing
    from bot.usecases.signal_import import SignalCaps, SignalDesk

# The adapters are imported in the builders that make them, not here: a CLI question then
# loads no HTTP, Slack, Graphviz, demo or SQLAlchemy modules it does not use.

Source: TypeAlias = "TraceSource | EdgeSource | SignalSource"
"""A live source: traces to link, or edges summed elsewhere."""

PAGER_TIMEOUT_S = 10.0
"""How long one request to PagerDuty may take before it counts as failed (and is retried)."""


@dataclass(frozen=True, slots=True)
class App:
    """Everything a use case needs, built once per process."""

    settings: Settings
    store: Store
    clock: Callable[[], float]
    engine: Engine
    states: SourceStates
    incidents: IncidentLog
    sources: list[Source] = field(default_factory=list)
    clients: list[httpx.Client] = field(default_factory=list)
    slack: WebClient | None = None
    graphs: GraphCache = field(default_factory=lambda: GraphCache(time.monotonic))
    rankings: MinuteCache[WindowInputs] = field(default_factory=lambda: MinuteCache(time.monotonic))
    """What alerts' rankings read of recent windows (`bot.usecases.ranking_inputs`)."""
    catalogs: LiveCatalog = field(default_factory=LiveCatalog)
    catalog_source: CatalogSource | None = None
    names: NameGate = field(default_factory=lambda: NameGate(NameLimits()))
    """What each source may add of new names, and what it had refused, in this process."""
    redaction: Redaction = field(default_factory=lambda: Redaction(()))
    """What every name coming in is redacted by (`topology.redaction`)."""

    pager: Pager | None = None
    """Sends pages; None unless the paging mode is `on`."""
    notifier: Notifier | None = None
    """Posts incident notices in Slack; None until a Slack app is configured."""
    heads_up: HeadsUp | None = None
    """Posts early warnings to owners in Slack; None until a Slack app is configured."""

    @property
    def catalog(self) -> Catalog:
        """The ownership catalog to answer with now (the file's over the catalog source's)."""
        return self.catalogs.current()

    @property
    def source_names(self) -> list[str]:
        """The names of the live sources pulled from."""
        return [source.name for source in self.sources]

    @property
    def pulled_names(self) -> list[str]:
        """The names of every source pulled from: the live sources, the catalog source last."""
        found = self.source_names
        return found if self.catalog_source is None else [*found, self.catalog_source.name]

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


@dataclass(frozen=True, slots=True)
class Reading:
    """What a map question reads, without the app: a read-only store and the catalog file.

    The CLI answers its map questions so when the store is a SQLite file at the newest
    schema (`bot.adapters.store.sqlite_reader`): no SQLAlchemy, migration, HTTP or Slack module
    is loaded for them.
    """

    settings: Settings
    store: SeriesStore
    states: StateStore
    """The live sources' progress, for the note saying the map may be stale."""
    incidents: IncidentReader
    clock: Callable[[], float]
    catalog: Catalog
    redaction: Redaction
    close: Callable[[], None]
    """Release the store's connection."""
    graphs: GraphCache = field(default_factory=lambda: GraphCache(time.monotonic))

    @property
    def source_names(self) -> list[str]:
        """The names of the live sources the settings configure."""
        return [name for name, _ in configured_sources(self.settings)]

    def now(self) -> int:
        """The current time in Unix seconds."""
        return int(self.clock())

    def __enter__(self) -> Reading:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def read_catalog(path: Path | None) -> Catalog:
    """The ownership catalog at `path`, or an empty one when none is configured."""
    if path is None:
        return Catalog()
    text = _text_of(path, "catalog", CatalogError)
    from topology.catalog_yaml import load_catalog

    return load_catalog(text, source=str(path))


def build_sources(
    settings: Settings, pacing: Pacing | None = None
) -> tuple[list[Source], list[httpx.Client]]:
    """One HTTP client per configured source, and the adapter over it: the only place.

    Each adapter is wrapped to retry its requests when asking again may help, waiting as
    `pacing` says (by default, really waiting).
    """
    sources: list[Source] = []
    clients: list[httpx.Client] = []
    if not configured_sources(settings):
        return sources, clients
    import httpx

    from bot.adapters.sources import (
        JaegerTraceSource,
        PrometheusEdgeSource,
        PrometheusSignalSource,
        TempoTraceSource,
        ZipkinTraceSource,
    )
    from bot.adapters.sources.retry import (
        Pacing,
        RetryingEdgeSource,
        RetryingSignalSource,
        RetryingTraceSource,
    )

    paced = pacing or Pacing()

    def client(url: str) -> httpx.Client:
        made = httpx.Client(base_url=url, timeout=settings.source_timeout)
        clients.append(made)
        return made

    for name, url in configured_sources(settings):
        traces: TraceSource
        match name:
            case "jaeger":
                traces = JaegerTraceSource(client(url), name=name)
            case "zipkin":
                traces = ZipkinTraceSource(client(url), name=name)
            case "tempo":
                traces = TempoTraceSource(client(url), tenant=settings.tempo_tenant, name=name)
            case "prometheus-signals":
                signals = PrometheusSignalSource(
                    client(url),
                    signals=read_signals(settings.prometheus_signals_file),
                    service_label=settings.prometheus_service_label,
                    name=name,
                )
                sources.append(RetryingSignalSource(paced, inner=signals))
                continue
            case _:
                edges = PrometheusEdgeSource(client(url), name=name)
                sources.append(RetryingEdgeSource(paced, inner=edges))
                continue
        sources.append(RetryingTraceSource(paced, inner=traces))
    return sources, clients


def configured_sources(settings: Settings) -> list[tuple[str, str]]:
    """The live sources the settings configure, in pulling order: each one's name and URL."""
    urls = (
        ("jaeger", settings.jaeger_url),
        ("zipkin", settings.zipkin_url),
        ("tempo", settings.tempo_url),
        ("prometheus", settings.prometheus_url),
        ("prometheus-signals", settings.prometheus_url if settings.prometheus_signals_file else ""),
    )
    return [(name, url) for name, url in urls if url]


def read_signals(path: Path | None) -> dict[str, str]:
    """The signals file at `path`: metric name to PromQL (`signals_of`); none when unset."""
    if path is None:
        return {}
    text = _text_of(path, "signals", SettingsError)
    from bot.adapters.sources.prometheus_signals import signals_of

    return signals_of(text, source=str(path))


def _text_of(path: Path, what: str, error: type[SvcmapError]) -> str:
    """The UTF-8 text of the file at `path`; `error` naming the file when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as failure:
        why = failure.strerror if isinstance(failure, OSError) else "not UTF-8 text"
        raise error(f"{path}: cannot read the {what}: {why}") from None


SLACK_TIMEOUT_S = 10
"""How long one Slack Web API call may take."""


def build_slack_client(settings: Settings) -> WebClient | None:
    """The Slack Web API client, retrying rate-limited calls, when a bot token is set."""
    if settings.slack_bot_token is None:
        return None
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url or "https://slack.com/api/",
        timeout=SLACK_TIMEOUT_S,
    )
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return client


def build_notifier(settings: Settings, client: WebClient | None) -> Notifier | None:
    """The Slack notifier over the app's Web API client, when there is one.

    The incident post shows page buttons when paging from Slack is set up and not off.
    """
    if client is None:
        return None
    from bot.adapters.slack.delivery import SlackPoster
    from bot.adapters.slack.notifier import SlackNotifier
    from bot.render.picture import render

    return SlackNotifier(SlackPoster(client), draw=render, paging=slack_paging(settings))


def build_heads_up(
    settings: Settings, client: WebClient | None, catalogs: LiveCatalog
) -> HeadsUp | None:
    """The early warnings' Slack poster, when warnings are on and the Slack app is set up."""
    secret = settings.slack_signing_secret
    if client is None or secret is None or settings.warnings != "on":
        return None
    from bot.adapters.slack.delivery import SlackPoster
    from bot.adapters.slack.heads_up import SlackHeadsUp
    from bot.render.picture import render
    from bot.slack.warning_view import mute_sealer

    sealer = mute_sealer(secret.get_secret_value())
    return SlackHeadsUp(SlackPoster(client), sealer, catalog=catalogs.current, draw=render)


def slack_paging(settings: Settings) -> bool:
    """Whether people may page from Slack: paging is not off and someone is allowed to."""
    allowed = settings.slack_page_channels or settings.slack_page_groups
    return settings.paging_mode is not PagingMode.OFF and bool(allowed)


def build_catalog_source(
    settings: Settings, pacing: Pacing | None = None
) -> tuple[CatalogSource | None, list[httpx.Client]]:
    """The Backstage catalog source and its HTTP client, when a Backstage URL is set.

    Its read is retried when asking again may help, waiting as `pacing` says.
    """
    if not settings.backstage_url:
        return None, []
    import httpx

    from bot.adapters.sources import BackstageCatalogSource
    from bot.adapters.sources.retry import Pacing, RetryingCatalogSource

    made = httpx.Client(base_url=settings.backstage_url, timeout=settings.source_timeout)
    token = settings.backstage_token
    source = BackstageCatalogSource(
        made,
        token=token.get_secret_value() if token is not None else None,
        filters=settings.backstage_filters(),
    )
    return RetryingCatalogSource(pacing or Pacing(), inner=source), [made]


def build_pager(settings: Settings) -> tuple[Pager | None, list[httpx.Client]]:
    """The PagerDuty pager and its HTTP client when paging is `on`; else nothing."""
    if settings.paging_mode is not PagingMode.ON:
        return None, []
    import httpx

    from bot.adapters.paging.pagerduty import PagerDutyPager
    from bot.adapters.paging.ratelimit import RateLimiter

    client = httpx.Client(base_url=settings.pagerduty_events_url, timeout=PAGER_TIMEOUT_S)
    limiter = RateLimiter(clock=time.monotonic, sleep=time.sleep)
    return PagerDutyPager(client, limiter=limiter), [client]


def name_limits(settings: Settings) -> NameLimits:
    """The caps on new names the settings give."""
    return NameLimits(
        services=settings.max_services,
        virtual=settings.max_virtual_nodes,
        edges=settings.max_edges,
        new_per_minute=settings.new_names_per_minute,
        window_s=settings.name_window,
    )


def build_app(
    settings: Settings, *, clock: Callable[[], float] = time.time, pacing: Pacing | None = None
) -> App:
    """Build the store (migrated to the current schema), the catalogs, sources and pager.

    The catalog source is not read here: the refresh reads it, and the CLI before it
    answers a question. `pacing` is how the sources wait between retries.
    """
    from bot.adapters.store.engine import Timeouts, make_engine, upgrade
    from bot.adapters.store.incidents import IncidentLog
    from bot.adapters.store.repository import Store
    from bot.adapters.store.sources_state import SourceStates

    timeouts = Timeouts(settings.db_pool_timeout, settings.db_statement_timeout)
    engine = make_engine(settings.database_url, timeouts=timeouts)
    upgrade(engine)
    sources, clients = build_sources(settings, pacing)
    catalog_source, catalog_clients = build_catalog_source(settings, pacing)
    pager, pager_clients = build_pager(settings)
    slack = build_slack_client(settings)
    redaction = settings_redaction(settings)
    catalogs = LiveCatalog(read_catalog(settings.catalog_file), name=redaction.catalog)
    return App(
        settings=settings,
        store=Store(engine),
        clock=clock,
        engine=engine,
        states=SourceStates(engine),
        incidents=IncidentLog(engine),
        sources=sources,
        slack=slack,
        clients=clients + catalog_clients + pager_clients,
        catalogs=catalogs,
        catalog_source=catalog_source,
        names=NameGate(name_limits(settings)),
        redaction=redaction,
        pager=pager,
        notifier=build_notifier(settings, slack),
        heads_up=build_heads_up(settings, slack, catalogs),
    )


def refreshing(app: App) -> Refreshing:
    """The ports a refresh pass works with, from the app's parts."""
    from bot.usecases.refresh import Refreshing, RefreshPolicy

    settings = app.settings
    policy = RefreshPolicy(
        interval_s=settings.refresh_interval,
        overlap_s=settings.refresh_overlap,
        trace_limit=settings.trace_limit,
        retention_s=settings.retain_minutes,
        skew_s=settings.max_clock_skew,
        infer_peers=settings.infer_peers,
        strict_trace_id=settings.strict_trace_id,
        metric_name_cap=settings.metric_name_cap,
    )
    return Refreshing(
        policy=policy,
        sources=app.sources,
        catalog_source=app.catalog_source,
        writer=app.store,
        progress=app.states,
        use_catalog=app.catalogs.update,
        redaction=app.redaction,
        names=app.names,
        map_changed=app.graphs.clear,
        now=app.now,
        signals=app.store,
    )


def signal_caps(settings: Settings) -> SignalCaps:
    """The caps on logs and metrics the settings give."""
    from bot.usecases.signal_import import SignalCaps

    return SignalCaps(
        body_chars=settings.log_body_chars,
        template_cap=settings.log_template_cap,
        metric_name_cap=settings.metric_name_cap,
    )


def signal_desk(app: App) -> SignalDesk:
    """What storing logs and metrics uses of `app`, now."""
    from bot.usecases.signal_import import SignalDesk

    return SignalDesk(
        store=app.store,
        names=app.names,
        redaction=app.redaction,
        caps=signal_caps(app.settings),
        now_s=app.now(),
    )


def import_desk(app: App) -> ImportDesk:
    """What importing files uses of `app`."""
    from bot.usecases.importing import ImportDesk

    settings = app.settings
    return ImportDesk(
        store=app.store,
        names=app.names,
        redaction=app.redaction,
        caps=signal_caps(settings),
        infer_peers=settings.infer_peers,
        strict_trace_id=settings.strict_trace_id,
        map_changed=app.graphs.clear,
        clock=app.now,
    )


def alert_desk(app: App) -> AlertDesk:
    """What receiving alerts uses of `app`, its catalog as it is now."""
    from bot.usecases.alert_inputs import StoredInputs
    from bot.usecases.alert_keys import alert_key_secret
    from bot.usecases.alerting import AlertDesk, AlertRules

    settings, catalog, graphs = app.settings, app.catalog, app.graphs
    inputs = StoredInputs(
        store=app.store,
        rankings=app.rankings,
        stamp=lambda: graphs.stamp,
        catalog=catalog,
        snapshot_services=settings.snapshot_services,
        snapshot_bytes=settings.snapshot_bytes,
    )
    rules = AlertRules(
        labels=settings.alert_labels,
        paging_mode=settings.paging_mode,
        incident_channel=settings.incident_channel or None,
        key_secret=alert_key_secret(settings),
        resolve_hold_s=settings.resolve_hold,
    )
    return AlertDesk(
        incidents=app.incidents,
        inputs=inputs,
        catalog=catalog,
        redaction=app.redaction,
        rules=rules,
        notify=app.notifier is not None,
        clock=app.now,
    )


def dispatch_desk(app: App) -> DispatchDesk:
    """What sending pages and posts uses of `app`, its catalog as it is now."""
    from bot.usecases.dispatching import DispatchDesk
    from bot.usecases.incident_picture import incident_picture
    from bot.usecases.map_questions import map_of

    catalog = app.catalog
    return DispatchDesk(
        outboxes=app.incidents,
        pager=app.pager,
        notifier=app.notifier,
        teams=catalog.teams,
        picture=partial(incident_picture, partial(map_of, app), catalog),
        clock=app.now,
    )


def ask_desk(app: App) -> AskDesk:
    """What answering a question uses of `app`, its catalog as it is now."""
    from bot.adapters.store.slices import BudgetReads
    from bot.usecases.asking import AskDesk

    return AskDesk(
        settings=app.settings,
        store=app.store,
        graphs=app.graphs,
        budgets=BudgetReads(app.engine),
        catalog=app.catalog,
        redaction=app.redaction,
        clock=app.clock,
    )


def preview_desk(app: App) -> PreviewDesk:
    """What the web view's preview of a Slack answer uses of `app`, now."""
    from bot.usecases.answering import answer
    from bot.usecases.browsing import PreviewDesk, svg_of
    from bot.usecases.staleness import stale_sources

    desk = ask_desk(app)
    return PreviewDesk(
        answer=partial(answer, desk),
        stale=partial(stale_sources, app),
        catalog=desk.catalog,
        redaction=app.redaction,
        svg=svg_of,
    )


def browse_desk(app: App) -> BrowseDesk:
    """What the map, its search and a service's drill-down use of `app`."""
    from bot.usecases.browsing import BrowseDesk, svg_of
    from bot.usecases.map_questions import map_of

    return BrowseDesk(
        maps=partial(map_of, app),
        history=app.store,
        incidents=app.incidents,
        catalog=app.catalog,
        redaction=app.redaction,
        svg=svg_of,
    )


def call_desk(app: App) -> CallDesk:
    """What a call's drill-down uses of `app`."""
    from bot.usecases.edge_over_time import CallDesk
    from bot.usecases.map_questions import map_of

    return CallDesk(
        map_of=partial(map_of, app),
        calls=app.store,
        catalog=app.catalog,
        redaction=app.redaction,
    )


def build_receiver(app: App) -> Receiver:
    """The receiver of pushed spans, on the app's store, caps, redaction and clock."""
    from bot.usecases.receiving import Receiver, ReceivingDesk, ReceivingRules

    settings = app.settings
    rules = ReceivingRules(
        retain_s=settings.retain_minutes,
        skew_s=settings.max_clock_skew,
        pairing_wait_s=settings.otlp_pairing_wait,
        strict_trace_id=settings.strict_trace_id,
    )
    desk = ReceivingDesk(
        store=app.store,
        names=app.names,
        redaction=app.redaction,
        maps=app.graphs,
        rules=rules,
        clock=app.now,
    )
    return Receiver(desk)


def settings_redaction(settings: Settings) -> Redaction:
    """What the settings say every name coming in is redacted by."""
    return redaction_of(settings.redact_rules, defaults=settings.redact_defaults)


def open_reading(settings: Settings, *, clock: Callable[[], float] = time.time) -> Reading | None:
    """A `Reading` of the settings' store, when it is a SQLite file at the newest schema.

    None otherwise: the caller then builds the app, which migrates the store first.
    """
    from bot.adapters.store.sqlite_reader import open_reader

    reader = open_reader(settings.database_url)
    if reader is None:
        return None
    try:
        redaction = settings_redaction(settings)
        catalog = redaction.catalog(read_catalog(settings.catalog_file))
    except BaseException:
        reader.close()
        raise
    states = reader.states()
    return Reading(
        settings=settings,
        store=reader,
        states=states,
        incidents=reader,
        clock=clock,
        catalog=catalog,
        redaction=redaction,
        close=reader.close,
    )


DEMO_TIMEOUT_S = 10
"""How long one request of the demo to svcmap's own endpoints may take."""


def build_demo(
    base_url: str,
    *,
    clock: DemoClock,
    traffic: Traffic,
    alert_token: str = "",
    otlp_token: str = "",
) -> Demo:
    """The demo shop, sending to the svcmap listening at `base_url` (its own server).

    Its alerts carry `alert_token`, the webhook credential the demo's svcmap expects; its
    spans and logs `otlp_token`, a bearer token of `SVCMAP_OTLP_TOKENS`.
    """
    import httpx

    from bot.demo.alerting import AlertmanagerWebhook
    from bot.demo.faults import FaultBoard
    from bot.demo.running import Demo
    from bot.demo.shop import PEERS, SERVICES
    from bot.demo.simulator import Simulator

    bearer = {"authorization": f"Bearer {otlp_token}"} if otlp_token else {}
    client = httpx.Client(base_url=base_url, timeout=DEMO_TIMEOUT_S, headers=bearer)
    board = FaultBoard(frozenset(SERVICES + PEERS))
    webhook = AlertmanagerWebhook(client, external_url=base_url, token=alert_token)
    simulator = Simulator(client, board, webhook, clock=clock, traffic=traffic)
    return Demo(board=board, simulator=simulator, webhook=webhook, client=client, clock=clock)
