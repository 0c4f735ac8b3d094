"""What ranking reads of the store: the series of the candidates, only what `rank` uses.

Of a window, the map (who calls whom), then per candidate its health series (its own
buckets, or the calls into it when it served nothing), its logs and metrics, and of the
edges into or out of it only the calls and the time on each side. A large read
(`TOGETHER_FROM` minutes or more) comes as columns, worked out together without an object
per minute (`topology.rca.minute_columns`). Names are read once per window: kept a minute
(`bot.usecases.minute_cache`), a second alert reads only the candidates the first did not.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.rca.assemble import snapshot_of
from topology.rca.edges import edge_parts
from topology.rca.series import TOGETHER_FROM, served_series, steps, timing_series
from topology.rca.snapshot import Series, Snapshot, Symptom, Window

if TYPE_CHECKING:
    from bot.adapters.store.ports import SeriesStore, ServiceHistory, ServiceSeries


@dataclass(slots=True)
class WindowInputs:
    """The map of one window, and the series read of it so far, by name."""

    start: int
    end: int
    """The buckets read: those starting in `start <= start < end`."""
    graph: ServiceGraph
    series: dict[str, Series] = field(default_factory=dict)
    edges: dict[str, Series] = field(default_factory=dict)
    """Per edge `parent->child`, its `requests`, `latency_avg_ms` and `network_ms`."""
    logs: dict[str, Series] = field(default_factory=dict)
    metrics: dict[str, Series] = field(default_factory=dict)
    read: set[str] = field(default_factory=set)
    """The names whose series, logs, metrics and edges are in."""

    @classmethod
    def of(cls, store: SeriesStore, start: int, end: int) -> WindowInputs:
        """The map of the buckets starting in `start <= start < end`, no series read yet.

        Who calls whom (`ranking_map`): ranking reads the latencies from the series.
        """
        return cls(start, end, ranking_map(store, start, end))

    def read_for(self, store: SeriesStore, names: Sequence[str]) -> None:
        """Read what ranking `names` needs and is not in yet."""
        missing = [name for name in names if name not in self.read]
        if not missing:
            return
        # The whole map is read without naming every node in the queries.
        asked: Collection[str] | None = missing
        if not self.read and len(missing) >= len(self.graph.names()):
            asked = None
        start, end = self.start, self.end
        times = steps(start, end - 1)
        # Each read is made series and let go before the next: a large map's buckets are
        # hundreds of MB as objects, its series a fraction of that.
        own = self._own_series(store, asked, times)
        served = set(own)
        idle = [name for name in missing if name not in served]  # read: the calls into them
        self.series.update(own)
        del own
        if 2 * len(idle) >= len(missing):  # mostly (a map of edges alone: all) served nothing
            calls = self._calls_around(store, asked, served, times)
        else:  # the timings alone, and apart, the calls into the few that served nothing
            incoming = store.incoming_series(start, end, nodes=idle) if idle else {}
            calls = (
                served_series({}, _unserved(incoming, served), times),
                self._timings(store, asked, times),
            )
            del incoming
        self.series.update(calls[0])
        for key, series in calls[1].items():
            self.edges.setdefault(key, series)
        del calls
        self.logs.update(store.log_series(asked, start, end - 1))
        self.metrics.update(store.metric_series(asked, start, end - 1))
        self.read.update(missing)

    def _own_series(
        self, store: SeriesStore, asked: Collection[str] | None, times: Sequence[int]
    ) -> dict[str, Series]:
        """The health series of the services of `asked` (None: every one) that served.

        A large read is read as columns and worked out together (`_calls_around`).
        """
        start, end = self.start, self.end
        nodes = len(self.graph) if asked is None else len(asked)
        if nodes * len(times) >= TOGETHER_FROM:
            minutes = store.service_minutes(start, end, services=asked)
            if minutes is not None:
                from topology.rca import minute_columns  # noqa: PLC0415 - loads numpy

                return minute_columns.health_of_minutes(minutes, times)
        return served_series(store.service_series(start, end, services=asked), {}, times)

    def _timings(
        self, store: SeriesStore, asked: Collection[str] | None, times: Sequence[int]
    ) -> dict[str, Series]:
        """The timing series of the edges into or out of `asked` (None: every edge).

        A large read is read as columns and worked out together (`_calls_around`).
        """
        start, end = self.start, self.end
        if _edges_near(self.graph, asked) * len(times) >= TOGETHER_FROM:
            minutes = store.edge_minutes(start, end, touching=asked, timings=True)
            if minutes is not None:
                from topology.rca import minute_columns  # noqa: PLC0415 - loads numpy

                return minute_columns.timings_of_minutes(minutes, times)
        return timing_series(store.edge_timings(start, end, touching=asked), times)

    def _calls_around(
        self,
        store: SeriesStore,
        asked: Collection[str] | None,
        served: set[str],
        times: Sequence[int],
    ) -> tuple[dict[str, Series], dict[str, Series]]:
        """The series of the calls into the nodes of `asked` not `served`, and of their edges.

        A large read (`TOGETHER_FROM` minutes or more, as the map tells) is read as columns
        and worked out together, without an object per minute.
        """
        start, end = self.start, self.end
        if _edges_near(self.graph, asked) * len(times) >= TOGETHER_FROM:
            minutes = store.edge_minutes(start, end, touching=asked)
            if minutes is not None:
                from topology.rca.minute_columns import tables_of  # noqa: PLC0415 - numpy

                tables = tables_of(minutes, times, wanted=asked, served=served)
                del minutes  # hundreds of MB on a large map: let go before the series are made
                return tables.series()
        timings, points = store.calls_around(start, end, touching=asked, served=served)
        return served_series({}, _unserved(points, served), times), timing_series(timings, times)

    def snapshot(
        self,
        store: SeriesStore,
        catalog: Catalog,
        symptom: Symptom,
        windows: tuple[Window, Window],
        candidates: Sequence[str],
    ) -> Snapshot:
        """What ranking `candidates` reads: their series, and those of the edges they are on."""
        self.read_for(store, candidates)
        names = set(candidates)
        return snapshot_of(
            self.graph,
            catalog,
            symptom,
            windows,
            series=_only(self.series, names),
            edge_series={
                key: series
                for key, series in self.edges.items()
                if not names.isdisjoint(edge_parts(key))
            },
            logs=_only(self.logs, names),
            metrics=_only(self.metrics, names),
        )


def ranking_map(store: SeriesStore, start: int, end: int) -> ServiceGraph:
    """The map ranking reads of the buckets starting in `start <= start < end`.

    Who calls whom and what kind of node each callee is: not the latencies and requests a
    map question sums (`load_graph`), which ranking reads from the series.
    """
    return ServiceGraph.build(store.edge_pairs(start, end), store.nodes())


def health_of(
    store: ServiceHistory, start: int, end: int, names: Collection[str] | None
) -> dict[str, Series]:
    """The health series of `names` (None: every node) over the buckets starting in the window.

    A node's own buckets, or the calls into it when it served nothing in the window.
    """
    services = store.service_series(start, end, services=names)
    idle = None if names is None else [name for name in names if name not in services]
    incoming = store.incoming_series(start, end, nodes=idle) if idle != [] else {}
    return served_series(services, incoming, steps(start, end - 1))


def _edges_near(graph: ServiceGraph, names: Collection[str] | None) -> int:
    """How many edges go into or out of `names` (None: every node), about (some twice)."""
    succ, pred = graph.succ, graph.pred
    if names is None:
        return sum(map(len, succ.values()))
    return sum(len(succ.get(name, ())) + len(pred.get(name, ())) for name in names)


def _unserved(incoming: ServiceSeries, served: set[str]) -> ServiceSeries:
    """The calls into the nodes that did not serve requests themselves."""
    return {name: points for name, points in incoming.items() if name not in served}


def _only(series: dict[str, Series], names: set[str]) -> dict[str, Series]:
    return {name: series[name] for name in sorted(names) if name in series}
