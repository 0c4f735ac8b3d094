"""Edges from the `traces_service_graph_*` series in Prometheus, by instant PromQL queries.

The OpenTelemetry Collector `servicegraph` connector and Tempo's metrics-generator
write these series. Each refresh asks for the `increase` over the window, ending at
`end_s`, of: requests (by `failed` too, as the collector labels them), failed requests,
the server-side latency histogram buckets, and its `_sum` and `_count` for the mean.
Errors are the larger of the two failure counts (both describe the same failures; a
backend may write only one). `connection_type` gives the child's kind. The latency
buckets are mapped onto svcmap's as `bot.adapters.sources.histogram` documents.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Generic, TypeVar

import httpx
import msgspec

from bot.adapters.sources import fetch, histogram, wire
from topology.errors import SourceError
from topology.gcpause import paused_gc
from topology.model import NodeKind
from topology.parsing.naming import clean_name
from topology.stats import EdgeStats, Latency

_KINDS = {
    "database": NodeKind.DATABASE,
    "messaging_system": NodeKind.QUEUE,
    "virtual_node": NodeKind.EXTERNAL,
}
_EDGE = "client, server, connection_type"
_MS = 1_000.0


class EdgeLabels(wire.Struct):
    """The labels of a service-graph series that say which edge and which part it counts.

    A missing label reads as empty (`le`: None), as `dict.get` would give it.
    """

    client: str = ""
    server: str = ""
    connection_type: str = ""
    failed: str = ""
    le: str | None = None


EdgeSample = tuple[EdgeLabels, float]
"""The edge labels and the value of one series of an instant vector."""

L = TypeVar("L")

Edge = tuple[str, str]
"""An edge's (client, server)."""


class _Series(wire.Struct, Generic[L]):
    metric: L | None = None
    value: tuple[float, str] | None = None


class _Data(wire.Struct, Generic[L]):
    resultType: str = ""  # noqa: N815 - the wire's name
    result: list[_Series[L]] = msgspec.field(default_factory=list)


class _Answer(wire.Struct, Generic[L]):
    status: str = ""
    data: _Data[L] | None = None
    errorType: str = ""  # noqa: N815 - the wire's name
    error: str = ""


def parse_edge_vector(data: bytes, *, source: str) -> list[EdgeSample]:
    """The series of an instant query's answer, with the labels `edges_from` reads.

    `status: error` raises with its message; samples that are not finite numbers (NaN,
    ±Inf) are left out.
    """
    # The labels of a large fleet's answers are a million small objects, hardly a cycle.
    with paused_gc():
        answer = wire.decode(data, _Answer[EdgeLabels], source=source)
    kind = answer.data.resultType if answer.data else None
    check_answer(data, answer.status, kind, expected=("vector", "an instant vector"), source=source)
    assert answer.data is not None  # noqa: S101 - checked just above: a vector came
    found: list[EdgeSample] = []
    for series in answer.data.result:
        if series.value is None:
            continue
        try:
            value = float(series.value[1])
        except ValueError:
            raise SourceError(f"{source}: not a sample value: {series.value[1]!r}") from None
        if math.isfinite(value):
            labels = series.metric
            found.append((EdgeLabels() if labels is None else labels, value))
    return found


def check_answer(
    data: bytes, status: str, kind: str | None, *, expected: tuple[str, str], source: str
) -> None:
    """Raise unless `data` is a successful answer of the `expected` (result type, in words).

    An error answer raises with what Prometheus said (`prometheus_error`).
    """
    if status != "success":
        said = prometheus_error(data) or f"not a Prometheus answer (status {status!r})"
        raise SourceError(f"{source}: {said}")
    result_type, words = expected
    if kind != result_type:
        raise SourceError(f"{source}: expected {words}, got {kind or 'nothing'}")


def prometheus_error(data: bytes) -> str | None:
    """What Prometheus's error envelope (`{"status": "error", ...}`) says, if it is one."""
    try:
        answer = msgspec.json.decode(data, type=_Answer[msgspec.Raw])
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None
    if answer.status != "error":
        return None
    said = f"{answer.errorType}: {answer.error}" if answer.errorType else answer.error
    return f"Prometheus said {fetch.excerpt(said.encode())}"


def edges_from(
    requests: Sequence[EdgeSample],
    failed: Sequence[EdgeSample],
    buckets: Sequence[EdgeSample],
    sums: Sequence[EdgeSample],
    counts: Sequence[EdgeSample],
) -> list[EdgeStats]:
    """Edges from the five answers as `parse_edge_vector` reads them.

    The latency histogram is the server side's. The ends' names are cleaned as a span's
    are (blanks, NUL, length); a series with an empty end is left out.
    """
    edges: dict[Edge, EdgeStats] = {}
    names: dict[Edge, Edge | None] = {}
    calls = _summed(requests, edges, names)
    labelled_errors = _summed(requests, edges, names, failed=True)
    failed_total, sum_s, count = (
        _summed(samples, edges, names) for samples in (failed, sums, counts)
    )
    per_le: dict[Edge, list[tuple[float, float]]] = {}
    les: dict[str | None, float] = {}  # a histogram has a handful of distinct bounds
    for labels, value in buckets:
        text = labels.le
        le = les.get(text)
        if le is None:
            le = les[text] = _le(text)
        key = _edge(labels, edges, names)
        if key is None:
            continue
        pairs = per_le.get(key)
        if pairs is None:
            per_le[key] = [(le, value)]
        else:
            pairs.append((le, value))
    for key, found in edges.items():
        found.calls = _count(calls.get(key, 0.0))
        found.errors = _count(max(labelled_errors.get(key, 0.0), failed_total.get(key, 0.0)))
        found.server = _latency(per_le.get(key, []), sum_s.get(key), count.get(key))
        found.latency = Latency(
            list(found.server.histogram), found.server.sum_ms, found.server.count
        )
    return [edges[key] for key in sorted(edges)]


def _edge(
    labels: EdgeLabels, edges: dict[Edge, EdgeStats], names: dict[Edge, Edge | None]
) -> Edge | None:
    """The (client, server) of a series, its edge noted in `edges` with the child's kind.

    The ends are cleaned once per pair as given (`names` keeps them); None when an end
    has no name once cleaned.
    """
    given = (labels.client, labels.server)
    try:
        key = names[given]
    except KeyError:
        client, server = clean_name(given[0]), clean_name(given[1])
        key = names[given] = None if client is None or server is None else (client, server)
    if key is None:
        return None
    found = edges.get(key)
    if found is None:
        found = edges[key] = EdgeStats(*key)
    if found.child_kind is None:
        found.child_kind = _KINDS.get(labels.connection_type)
    return key


def _summed(
    samples: Iterable[EdgeSample],
    edges: dict[Edge, EdgeStats],
    names: dict[Edge, Edge | None],
    *,
    failed: bool = False,
) -> dict[Edge, float]:
    """Values summed per edge; with `failed`, only series labelled `failed="true"`."""
    sums: dict[Edge, float] = {}
    for labels, value in samples:
        if failed and labels.failed != "true":
            continue
        key = _edge(labels, edges, names)
        if key is None:
            continue
        sums[key] = sums.get(key, 0.0) + value
    return sums


def _count(value: float) -> int:
    """A count from a sum of samples: none when it is not a finite number of at most 2^53.

    `increase()` may dip below 0; an absurd answer must not reach the store's integers.
    """
    return round(value) if math.isfinite(value) and 0 <= value <= histogram.MAX_COUNT else 0


def _le(text: str | None) -> float:
    try:
        return float("+Inf" if text is None else text)
    except ValueError:
        return math.nan


def _latency(
    buckets: list[tuple[float, float]], sum_s: float | None, count: float | None
) -> Latency:
    counts = histogram.latency_histogram(buckets)
    total = _count(count) if count is not None else sum(counts)
    return Latency(counts, (sum_s or 0.0) * _MS if total else 0.0, total)


class PrometheusEdgeSource:
    """Edges summed by a service-graph pipeline, read from Prometheus's HTTP API."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        prefix: str = "traces_service_graph",
        name: str = "prometheus",
    ) -> None:
        self.name = name
        self.prefix = prefix
        self._client = client

    def queries(self, window_s: int) -> list[str]:
        """The five PromQL queries of one refresh: requests, failed, buckets, sum, count."""

        def increase(metric: str, by: str = _EDGE) -> str:
            return f"sum by ({by}) (increase({self.prefix}_{metric}[{window_s}s]))"

        return [
            increase("request_total", f"{_EDGE}, failed"),
            increase("request_failed_total"),
            increase("request_server_seconds_bucket", f"{_EDGE}, le"),
            increase("request_server_seconds_sum"),
            increase("request_server_seconds_count"),
        ]

    def edges(self, *, start_s: int, end_s: int) -> list[EdgeStats]:
        """The edges with calls between two epoch-second instants."""
        window_s = max(1, end_s - start_s)
        # A large fleet's answers are a million small objects and hardly a cycle among them.
        with paused_gc():
            answers = [self._query(query, end_s) for query in self.queries(window_s)]
            return edges_from(*answers)

    def _query(self, query: str, time_s: int) -> list[EdgeSample]:
        path = "/api/v1/query"
        params: dict[str, str | int] = {"query": query, "time": time_s}
        _, body = fetch.get(
            self._client, path, source=self.name, params=params, explain=prometheus_error
        )
        return parse_edge_vector(body, source=f"{self.name}: GET {path}")
