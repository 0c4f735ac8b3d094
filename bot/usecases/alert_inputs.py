"""What an alert's evidence is read from: the map and series around a time, read once a minute.

Alerts of a storm ask about the same minutes: what one read of the store (the map of the
incident window and its baseline, the candidates' series) is kept a minute
(`bot.usecases.minute_cache`) for the next, until new calls come in (the map cache's
stamp). A snapshot to save is cut to the symptom's neighbourhood, the series it lacks
read then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from bot.commands import INCIDENT_BASELINE_S, INCIDENT_WINDOW_S
from bot.usecases.graphs import Stamp
from bot.usecases.minute_cache import MinuteCache
from bot.usecases.ranking_inputs import WindowInputs
from bot.usecases.rca import incident_snapshot, lean_snapshot
from topology.gcpause import paused_gc
from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.rca import Snapshot
from topology.rca.assemble import incident_windows
from topology.rca.snapshot import Window

if TYPE_CHECKING:
    from bot.adapters.store import Store

Kept = TypeVar("Kept")
Windows = tuple[Window, Window]


@dataclass(frozen=True, slots=True)
class StoredInputs:
    """The alert inputs (`bot.usecases.alerting.AlertInputs`) of a store, read once a minute.

    `stamp` says the map cache's stamp now; `catalog` the owners to rank with; a saved
    snapshot keeps the series of up to `snapshot_services` services and `snapshot_bytes`.
    """

    store: Store
    rankings: MinuteCache[WindowInputs]
    stamp: Callable[[], Stamp]
    catalog: Catalog
    snapshot_services: int
    snapshot_bytes: int

    def graph(self, now: int) -> ServiceGraph:
        """The map an alert at `now` is ranked on, as recently read."""
        return self._with_inputs(now, lambda inputs, _: inputs.graph)

    def lean(self, symptom: str, now: int) -> tuple[ServiceGraph, Snapshot]:
        """The map and the snapshot `rank` reads for `symptom` at `now`.

        Raises `UnknownServiceError` when the map lacks it, `UsageError` when nothing is
        stored for the windows.
        """
        store, catalog = self.store, self.catalog
        return self._with_inputs(
            now,
            lambda inputs, windows: (
                inputs.graph,
                lean_snapshot(store, inputs, catalog, windows, (symptom, None, now)),
            ),
        )

    def followed(self, symptom: str, since: int, now: int) -> tuple[ServiceGraph, Snapshot]:
        """`lean` for a fault on `symptom` alerted since `since`, ranked at `now`.

        On the windows of an alert at `since`, the incident's stretched until `now`: the
        baseline is the hours before the fault was alerted, so its own minutes never
        become its baseline however long it lasts. Read afresh, not kept: these windows
        serve no other alert, and reading them never holds one up.
        """
        windows = incident_windows(
            now, INCIDENT_WINDOW_S + max(0, now - since), INCIDENT_BASELINE_S
        )
        span = (int(windows[0].start), int(windows[1].end) + 1)
        with paused_gc():
            inputs = WindowInputs.of(self.store, *span)
            snapshot = lean_snapshot(
                self.store, inputs, self.catalog, windows, (symptom, None, now)
            )
        return inputs.graph, snapshot

    def to_save(self, snapshot: Snapshot) -> Snapshot:
        """`snapshot` cut to its symptom's neighbourhood, with the series it lacks read."""
        with paused_gc():  # series read are many objects, and no cycles
            return incident_snapshot(
                self.store, snapshot, self.snapshot_services, self.snapshot_bytes
            )

    def _with_inputs(self, now: int, work: Callable[[WindowInputs, Windows], Kept]) -> Kept:
        """`work` on what was read for ranking an alert at `now` (read now if nothing fresh was).

        The cycle collector is paused meanwhile, as when ranking: the map and series of a
        large map are a few hundred thousand objects, and no cycles; left running, it walks
        them again and again before the first alert of a minute can page.
        """
        windows = incident_windows(now, INCIDENT_WINDOW_S, INCIDENT_BASELINE_S)
        span = (int(windows[0].start), int(windows[1].end) + 1)
        store = self.store
        with paused_gc():
            return self.rankings.use(
                span,
                self.stamp(),
                lambda: WindowInputs.of(store, *span),
                lambda i: work(i, windows),
            )
