"""The store's ports: what the map questions read, and what a refresh writes.

Both store adapters implement the read ports.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from bot.adapters.store.incident_rows import (
    Acknowledgement,
    AlertRow,
    IncidentRecord,
    Opening,
    PageRow,
    Recorded,
    Sending,
    SurePage,
)
from topology.incidents.decide import Episode, RecentIncident
from topology.incidents.feedback import Answer, Feedback
from topology.incidents.model import Outbox
from topology.stats import EdgeStats, EdgeTiming, Node, ServiceStats

if TYPE_CHECKING:
    from bot.adapters.store.compaction import Compaction
    from bot.adapters.store.name_caps import Refused
    from bot.adapters.store.pending import Waiting
    from bot.adapters.store.repository import IngestResult, Parking
    from bot.adapters.store.signal_writes import LogsStored, MetricsStored
    from bot.adapters.store.slices import BySlice, ByWindow
    from topology.cardinality import Admission, Drops
    from topology.model import Call, Served
    from topology.rca.minute_columns import Minutes
    from topology.rca.snapshot import Series
    from topology.retention import Retention
    from topology.signals.model import LogRecord, MetricPoint
    from topology.warnings.track import KeptWarning, Key

_T = TypeVar("_T")

EdgeSeries = dict[tuple[str, str], list[tuple[int, EdgeStats]]]
"""Per `(parent, child)`, `(bucket start, statistics)` pairs in time order."""
ServiceSeries = dict[str, list[tuple[int, ServiceStats]]]
"""Per service, `(bucket start, statistics)` pairs in time order."""


class StoredSpan(Protocol):
    """What the web view's time slider reads of a store: the first and last bucket held."""

    def time_range(self) -> tuple[int, int] | None:
        """The first and last bucket start stored, in any tier, or None when the store is empty."""
        ...


class MapStore(StoredSpan, Protocol):
    """A read-only view of the map: its nodes, and edges and services summed over a window."""

    def edges(self, start_s: int | None = None, end_s: int | None = None) -> list[EdgeStats]:
        """Every edge with its statistics summed over `start_s <= bucket start < end_s`."""
        ...

    def services(self, start_s: int | None = None, end_s: int | None = None) -> list[ServiceStats]:
        """Every service with its served requests summed over the window."""
        ...

    def nodes(self) -> list[Node]:
        """Every node ever seen, instrumented or virtual."""
        ...

    def holds_buckets(self, start_s: int, end_s: int) -> bool:
        """Whether any edge or service bucket starts in `start_s <= start < end_s`."""
        ...


class ServedHistory(Protocol):
    """What weighing a maintenance window reads: the requests each service served."""

    def services(self, start_s: int | None = None, end_s: int | None = None) -> list[ServiceStats]:
        """Every service with its served requests summed over the window."""
        ...

    def service_series(
        self,
        start_s: int | None = None,
        end_s: int | None = None,
        *,
        services: Collection[str] | None = None,
    ) -> ServiceSeries:
        """Per service (of `services`, if given), its served requests bucket by bucket."""
        ...


class ServiceHistory(Protocol):
    """What a service's drill-down reads: its requests bucket by bucket, else the calls into it."""

    def service_series(
        self,
        start_s: int | None = None,
        end_s: int | None = None,
        *,
        services: Collection[str] | None = None,
    ) -> ServiceSeries:
        """Per service (of `services`, if given), its served requests bucket by bucket."""
        ...

    def incoming_series(
        self,
        start_s: int | None = None,
        end_s: int | None = None,
        *,
        nodes: Collection[str] | None = None,
    ) -> ServiceSeries:
        """Per node (of `nodes`, if given) that served nothing in the window, the calls into it."""
        ...


class CallHistory(Protocol):
    """What a call's drill-down reads: each edge's statistics bucket by bucket."""

    def edge_series(
        self,
        start_s: int | None = None,
        end_s: int | None = None,
        *,
        touching: Collection[str] | None = None,
    ) -> EdgeSeries:
        """Per edge (into or out of `touching`, if given), its statistics bucket by bucket."""
        ...


class SeriesStore(MapStore, ServedHistory, ServiceHistory, CallHistory, Protocol):
    """What ranking root causes reads of a store: the map, and series minute by minute."""

    def edge_calls(self, start_s: int | None = None, end_s: int | None = None) -> list[EdgeStats]:
        """Every edge with only its calls and errors summed over the window."""
        ...

    def edge_pairs(self, start_s: int, end_s: int) -> list[EdgeStats]:
        """Every edge with a bucket starting in the window, its callee's kind, nothing summed.

        Who calls whom, as `edge_calls` tells it, in its order.
        """
        ...

    def calls_around(
        self, start_s: int, end_s: int, *, touching: Collection[str] | None, served: Collection[str]
    ) -> tuple[dict[tuple[str, str], list[EdgeTiming]], ServiceSeries]:
        """What ranking reads of the calls into or out of `touching` (None: of every node).

        Per edge, its calls and the time on each side bucket by bucket; per node of
        `touching` not in `served` (the nodes with buckets of their own in the window), the
        calls into it as `incoming_series` gives them.
        """
        ...

    def edge_minutes(
        self, start_s: int, end_s: int, *, touching: Collection[str] | None, timings: bool = False
    ) -> Minutes | None:
        """What `calls_around` reads, as columns; None when an hour or day bucket starts in it.

        Every minute bucket of the edges into or out of `touching` (None: of every edge),
        each value a column: a large map's calls read without an object per minute. With
        `timings`, only the values of `edge_timings`.
        """
        ...

    def service_minutes(
        self, start_s: int, end_s: int, *, services: Collection[str] | None
    ) -> Minutes | None:
        """What `service_series` reads, as columns; None when an hour or day bucket starts in it."""
        ...

    def edge_timings(
        self, start_s: int, end_s: int, *, touching: Collection[str] | None = None
    ) -> dict[tuple[str, str], list[EdgeTiming]]:
        """Per edge (into or out of `touching`, if given), its `EdgeTiming` bucket by bucket.

        Its calls and the time on each of its sides: what ranking reads of an edge.
        """
        ...

    def log_series(
        self, services: Collection[str] | None, start: int, end: int
    ) -> dict[str, Series]:
        """Per service, log counts per minute by level and template."""
        ...

    def metric_series(
        self, services: Collection[str] | None, start: int, end: int
    ) -> dict[str, Series]:
        """Per service, each metric's value per minute."""
        ...


class CallMap(Protocol):
    """What a map of calls alone reads: nodes, edges' calls and errors, requests served."""

    def nodes(self) -> list[Node]:
        """Every node ever seen, instrumented or virtual."""
        ...

    def services(self, start_s: int | None = None, end_s: int | None = None) -> list[ServiceStats]:
        """Every service with its served requests summed over the window."""
        ...

    def edge_calls(self, start_s: int | None = None, end_s: int | None = None) -> list[EdgeStats]:
        """Every edge with only its calls and errors summed over the window: no latency."""
        ...


class BudgetHistory(Protocol):
    """What weighing risks reads beyond the map: counts per budget window, edges seen before."""

    def window_counts(self, end_s: int, windows: Sequence[int], slow_from: int) -> ByWindow:
        """Per length in `windows`, per service, its requests, errors and slow requests."""
        ...

    def seen_edges(self, start_s: int, end_s: int) -> set[tuple[str, str]]:
        """The edges (caller, callee) with a bucket starting in `start_s <= start < end_s`."""
        ...


@dataclass(frozen=True, slots=True)
class SourceState:
    """One source's progress: pulled up to `high_water`, its last success and last error.

    Times are epoch seconds; `spans` is what the last successful pass pulled.
    """

    name: str
    high_water: int | None = None
    last_success: int | None = None
    last_error_at: int | None = None
    last_error: str | None = None
    spans: int | None = None


class StateStore(Protocol):
    """What the answers read of the live sources' progress."""

    def all(self) -> dict[str, SourceState]:
        """Every source's state, by name."""
        ...


class ImportLedger(Protocol):
    """What the store remembers of what came in: the names refused, the last push stored."""

    def refused_names(self) -> list[Refused]:
        """Per source and reason, what the caps on new names refused."""
        ...

    def last_import(self, source: str) -> int | None:
        """When `source` last stored calls (epoch seconds), or None if it never did."""
        ...


class IncidentReader(Protocol):
    """What `svcmap incidents` reads of the incident log."""

    def incidents(self, limit: int = 20) -> list[IncidentRecord]:
        """The latest incidents, newest first."""
        ...

    def answers(self, incident_ids: Sequence[int]) -> list[Feedback]:
        """The answers to "Was this the cause?" kept with the incidents `incident_ids`."""
        ...

    def paged_teams(self, incident_ids: Sequence[int]) -> dict[int, list[str]]:
        """The teams the incidents `incident_ids` paged, or page, first paged first."""
        ...


class IncidentPosts(Protocol):
    """What a press on an incident's post reads: the incident, and its post."""

    def incident(self, incident_id: int) -> IncidentRecord | None:
        """Incident `incident_id`, or None when there is none."""
        ...

    def post_of(self, incident_id: int) -> Sending | None:
        """The post of incident `incident_id` (or of the one it joined), in any state."""
        ...


class AlertIncidents(Protocol):
    """What receiving alerts reads and records of the incident log."""

    def open_for_group(self, group_hash: str) -> IncidentRecord | None:
        """The open incident of a group, or None."""
        ...

    def by_key(self, key: str) -> IncidentRecord | None:
        """The incident with `key`, open or not."""
        ...

    def incident(self, incident_id: int) -> IncidentRecord | None:
        """Incident `incident_id`, or None."""
        ...

    def recent_open(self, since_s: int) -> list[RecentIncident]:
        """Incidents of their own opened from `since_s` by alerts, firing or with a group firing."""
        ...

    def episodes(self, symptom: str, since_s: int) -> list[Episode]:
        """The incidents of their own on `symptom` opened by alerts from `since_s`."""
        ...

    def record_firing(
        self,
        opening: Opening,
        alerts: Sequence[AlertRow],
        *,
        now_s: int,
        notice_state: str = ...,
        related: frozenset[str] | None = None,
        explained_by: frozenset[str] = frozenset(),
    ) -> Recorded:
        """Open the incident `opening` describes, or add the alerts to the group's open one."""
        ...

    def reopen_held(
        self,
        group_hash: str,
        alerts: Sequence[AlertRow],
        *,
        now_s: int,
        since_s: int,
        notice_state: str,
    ) -> Recorded | None:
        """Fire the group's incident again if it resolved from `since_s` and nothing told so."""
        ...

    def record_resolved(
        self,
        group_hash: str,
        alerts: Sequence[AlertRow],
        *,
        now_s: int,
        all_resolved: bool,
        notice_state: str,
        hold_s: int,
    ) -> Recorded:
        """Note resolved alerts; when the incident and all joined to it are resolved, resolve."""
        ...

    def claim_evidence(
        self, incident_id: int, *, now_s: int, every_s: int
    ) -> IncidentRecord | None:
        """Incident `incident_id` when its evidence is due to be made again, noted as made now."""
        ...

    def record_sure_page(
        self, incident_id: int, sure: SurePage, *, now_s: int, notice_state: str
    ) -> bool:
        """Record `sure`'s page to the owners of a cause now sure of; whether it was."""
        ...

    def record_joined_page(
        self,
        incident_id: int,
        page: PageRow,
        reply: Mapping[str, object],
        *,
        now_s: int,
        notice_state: str,
    ) -> bool:
        """Record the page a group joining incident `incident_id` adds; whether it was."""
        ...

    def save_snapshot(self, incident_id: int, data: bytes, *, cause: str | None = None) -> None:
        """Keep `data` as the snapshot of incident `incident_id`, and `cause` if given."""
        ...


class Outboxes(IncidentPosts, Protocol):
    """What sending recorded pages and posts reads and writes of the incident log."""

    def due(self, outbox: Outbox, *, now_s: int, limit: int = 100) -> list[Sending]:
        """The pages or posts (`outbox`) to send now, oldest first."""
        ...

    def claim(self, outbox: Outbox, row_id: int, *, holder: str, now_s: int, ttl_s: int) -> bool:
        """Take row `row_id` of `outbox` to send, counting an attempt; False if another has it."""
        ...

    def release(self, outbox: Outbox, row_id: int, *, holder: str) -> bool:
        """Free row `row_id` to send now, if it is still pending under `holder`'s claim."""
        ...

    def finish(
        self,
        outbox: Outbox,
        row_id: int,
        *,
        holder: str,
        state: str,
        now_s: int,
        error: str | None = None,
        retry_at: int | None = None,
        url: str | None = None,
        ref: str | None = None,
        sent_body: Mapping[str, object] | None = None,
    ) -> None:
        """Record how sending row `row_id`, claimed by `holder`, ended."""
        ...

    def post_url(self, incident_id: int) -> str | None:
        """The link to the incident's post, once it was sent."""
        ...

    def alerting_services(self, incident_id: int) -> list[str]:
        """The services named by alerts of incident `incident_id` and those joined to it."""
        ...


class Acknowledgements(IncidentPosts, Protocol):
    """The incident log as acknowledging an incident from its post uses it."""

    def acknowledge(self, incident_id: int, *, user: str, now_s: int) -> Acknowledgement:
        """Note that `user` acknowledged incident `incident_id`, unless someone did first."""
        ...


class ManualPages(Protocol):
    """The incident log as paging owners by hand uses it."""

    def incident(self, incident_id: int) -> IncidentRecord | None:
        """Incident `incident_id`, or None when there is none."""
        ...

    def open_manual(self, opening: Opening, *, now_s: int) -> IncidentRecord:
        """The incident a person opened under `opening.key`: opened once, kept open."""
        ...

    def record_page(self, incident_id: int, page: PageRow, *, now_s: int) -> bool:
        """Record `page` for incident `incident_id`; False when it was recorded before."""
        ...


class CauseAnswers(IncidentPosts, Protocol):
    """The incident log as answering "Was this the cause?" uses it."""

    def record_answers(
        self, incident_id: int, user: str, answers: Sequence[Answer], *, now_s: int
    ) -> None:
        """Keep `user`'s answers; each replaces their earlier one."""
        ...


class UnsavedSnapshots(Protocol):
    """The incident log as making again the snapshots a stopped process lost uses it."""

    def unsaved(self, *, since_s: int, before_s: int, limit: int) -> list[IncidentRecord]:
        """Incidents opened from `since_s` to before `before_s` whose evidence was never saved."""
        ...

    def claim_unsaved(self, incident_id: int, *, now_s: int) -> bool:
        """Take incident `incident_id`'s lost snapshot to make again; False when another has."""
        ...


class Compacting(Protocol):
    """The store as compaction uses it."""

    def compact(
        self, *, now_s: int, retention: Retention, ahead_s: int | None = None
    ) -> Compaction:
        """Roll expired buckets into coarser ones and drop what is past all retention."""
        ...


class Ingested(Protocol):
    """What storing a batch of calls added."""

    @property
    def calls_new(self) -> int:
        """Calls not stored before."""
        ...


class MapWriter(Protocol):
    """What a refresh writes into the map: linked calls, or edges summed elsewhere."""

    def ingest(
        self,
        calls: Sequence[Call],
        served: Sequence[Served],
        *,
        now_s: int,
        source: str,
        spans: int,
        admit: Admission | None = None,
    ) -> Ingested:
        """Add the calls and served requests not stored before."""
        ...

    def ingest_edges(
        self,
        edges: Sequence[EdgeStats],
        *,
        minute_s: int,
        source: str,
        admit: Admission | None = None,
        now_s: int | None = None,
    ) -> int:
        """Store edges summed elsewhere as the minute bucket at `minute_s`; the calls added."""
        ...


class SourceProgress(StateStore, Protocol):
    """Where the live sources' progress is kept, and the refresh lease.

    The lease keeps a refresh on one replica at a time.
    """

    def get(self, name: str) -> SourceState | None:
        """One source's state, if it has one."""
        ...

    def record_success(self, name: str, *, high_water: int, now_s: int, spans: int) -> None:
        """A pass of `name` succeeded, up to `high_water`."""
        ...

    def record_error(self, name: str, *, now_s: int, message: str) -> None:
        """A pass of `name` failed, saying why."""
        ...

    def try_lease(self, name: str, holder: str, now_s: int, ttl_s: int) -> bool:
        """Take the lease `name` for `holder` if it is free, expired, or already its own."""
        ...

    def release_lease(self, name: str, holder: str) -> None:
        """Give the lease back, if `holder` holds it."""
        ...


class Lease(Protocol):
    """A lease kept in the store: a named job on one replica at a time."""

    def try_lease(self, name: str, holder: str, now_s: int, ttl_s: int) -> bool:
        """Take the lease `name` for `holder` if it is free, expired, or already its own."""
        ...

    def release_lease(self, name: str, holder: str) -> None:
        """Give the lease back, if `holder` holds it."""
        ...


class SlicedSums(Protocol):
    """What the warning pass reads: per service and edge, its sums slice by slice."""

    def read(self, start_s: int, end_s: int, width_s: int) -> BySlice:
        """Per service and edge `parent->child`, its sums in each `width_s` slice from `start_s`."""
        ...


class WarningKeep(Protocol):
    """Where the warnings found are kept between passes, and which were posted."""

    def kept(self) -> dict[Key, KeptWarning]:
        """Every warning kept, by its key."""
        ...

    def write(self, warnings: Iterable[KeptWarning]) -> None:
        """Keep `warnings`, each replacing the one of its key."""
        ...

    def posted(self, key: Key, now: int) -> None:
        """Note that the warning `key` was posted at `now`."""
        ...


class AdmittedNames(Protocol):
    """What the caps on new names let in of items naming a service, counting what they refuse."""

    def admitted_services(
        self,
        items: Sequence[_T],
        service_of: Callable[[_T], str | None],
        admit: Admission,
        *,
        now_s: int,
    ) -> tuple[Sequence[_T], Drops]:
        """The items whose service `admit` lets in, and what it refused (counted in the store)."""
        ...


class SignalWriter(AdmittedNames, Protocol):
    """What storing logs and metrics writes: what the caps on new names let in, then that."""

    def ingest_logs(self, records: Sequence[LogRecord], *, cap: int) -> LogsStored:
        """Store log records, their templates up to `cap` a service."""
        ...

    def ingest_metrics(
        self, points: Sequence[MetricPoint], *, cap: int, replace: bool = False
    ) -> MetricsStored:
        """Store metric points, up to `cap` metric names a service.

        With `replace`, they take the place of what their service's metric held in the
        minute, rather than adding to it.
        """
        ...


class SpanKeeper(AdmittedNames, Protocol):
    """What receiving pushed spans writes: their calls, and the client spans still waiting.

    `ingest` stores the calls with the spans to keep waiting and those done waiting in
    one transaction; it raises `SettledElsewhere` when another settled some first.
    """

    def waiting_in(self, trace_ids: Sequence[str], *, limit: int) -> list[Waiting]:
        """The client spans waiting in the traces `trace_ids`, at most `limit`."""
        ...

    def waiting_due(self, *, now_s: int, limit: int) -> list[Waiting]:
        """The client spans done waiting at `now_s`, at most `limit`, those due first first."""
        ...

    def ingest(
        self,
        calls: Sequence[Call],
        served: Sequence[Served],
        *,
        now_s: int,
        source: str,
        spans: int,
        admit: Admission | None = None,
        parking: Parking | None = None,
    ) -> IngestResult:
        """Store calls and served requests, and the waiting spans as `parking` says."""
        ...


class FileWriter(SignalWriter, Protocol):
    """What importing files writes: linked calls (whole, or batch by batch), logs, metrics."""

    def ingest(
        self,
        calls: Sequence[Call],
        served: Sequence[Served],
        *,
        now_s: int,
        source: str,
        spans: int,
        admit: Admission | None = None,
    ) -> IngestResult:
        """Add the calls and served requests not stored before."""
        ...

    def ingest_batches(
        self,
        batches: Iterable[tuple[Sequence[Call], Sequence[Served], int]],
        *,
        now_s: int,
        source: str,
        admit: Admission | None = None,
    ) -> IngestResult:
        """`ingest` for an import too large to hold at once, one batch at a time."""
        ...
