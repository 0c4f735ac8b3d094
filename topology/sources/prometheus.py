"""Edges from the `traces_service_graph_*` series in Prometheus, by instant PromQL queries.

The OpenTelemetry Collector `servicegraph` connector and Tempo's metrics-generator
write these series. Each refresh asks for the `increase` over the window, ending at
`end_s`, of: requests (by `failed` too, as the collector labels them), failed requests,
the server-side latency histogram buckets, and its `_sum` and `_count` for the mean.
Errors are the larger of the two failure counts (both describe the same failures; a
backend may write only one). `connection_type` gives the child's kind. The latency
buckets are mapped onto svcmap's as `topology.sources.histogram` documents.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import httpx
import msgspec

from topology.errors import SourceError
from topology.gcpause import paused_gc
from topology.model import NodeKind
from topology.sources import fetch, histogram, wire
from topology.stats import EdgeStats, Latency

_KINDS = {
    "database": NodeKind.DATABASE,
    "messaging_system": NodeKind.QUEUE,
    "virtual_node": NodeKind.EXTERNAL,
}
_EDGE = "client, server, connection_type"
_MS = 1_000.0

Sample = tuple[dict[str, str], float]
"""The labels and the value of one series of an instant vector."""

Edge = tuple[str, str]
"""An edge's (client, server)."""


class _Series(wire.Struct):
    metric: dict[str, str] = msgspec.field(default_factory=dict)
    value: tuple[float, str] | None = None


class _Data(wire.Struct):
    resultType: str = ""  # noqa: N815 - the wire's name
    result: list[_Series] = msgspec.field(default_factory=list)


class _Answer(wire.Struct):
    status: str = ""
    data: _Data | None = None
    errorType: str = ""  # noqa: N815 - the wire's name
    error: str = ""


def parse_vector(data: bytes, *, source: str) -> list[Sample]:
    """The series of an instant query's answer; `status: error` raises with its message.

    Samples that are not finite numbers (NaN, ±Inf) are left out.
    """
    answer = wire.decode(data, _Answer, source=source)
    if answer.status != "success":
        said = prometheus_error(data) or f"not a Prometheus answer (status {answer.status!r})"
        raise SourceError(f"{source}: {said}")
    if answer.data is None or answer.data.resultType != "vector":
        kind = answer.data.resultType if answer.data else "nothing"
        raise SourceError(f"{source}: expected an instant vector, got {kind or 'nothing'}")
    found: list[Sample] = []
    for series in answer.data.result:
        if series.value is None:
            continue
        try:
            value = float(series.value[1])
        except ValueError:
            raise SourceError(f"{source}: not a sample value: {series.value[1]!r}") from None
        if math.isfinite(value):
            found.append((series.metric, value))
    return found


def prometheus_error(data: bytes) -> str | None:
    """What Prometheus's error envelope (`{"status": "error", ...}`) says, if it is one."""
    try:
        answer = msgspec.json.decode(data, type=_Answer)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None
    if answer.status != "error":
        return None
    said = f"{answer.errorType}: {answer.error}" if answer.errorType else answer.error
    return f"Prometheus said {fetch.excerpt(said.encode())}"


def edges_of(
    requests: Sequence[Sample],
    failed: Sequence[Sample],
    buckets: Sequence[Sample],
    sums: Sequence[Sample],
    counts: Sequence[Sample],
) -> list[EdgeStats]:
    """Edges from the five answers; the latency histogram is the server side's."""
    edges: dict[Edge, EdgeStats] = {}
    calls, labelled_errors = _summed(requests, edges), _summed(requests, edges, failed=True)
    failed_total, sum_s, count = (_summed(samples, edges) for samples in (failed, sums, counts))
    per_le: dict[Edge, list[tuple[float, float]]] = {}
    les: dict[str | None, float] = {}  # a histogram has a handful of distinct bounds
    for labels, value in buckets:
        text = labels.get("le")
        le = les.get(text)
        if le is None:
            le = les[text] = _le(text)
        key = _edge(labels, edges)
        pairs = per_le.get(key)
        if pairs is None:
            per_le[key] = [(le, value)]
        else:
            pairs.append((le, value))
    for key, found in edges.items():
        found.calls = round(calls.get(key, 0.0))
        found.errors = round(max(labelled_errors.get(key, 0.0), failed_total.get(key, 0.0)))
        found.server = _latency(per_le.get(key, []), sum_s.get(key), count.get(key))
        found.latency = Latency(
            list(found.server.histogram), found.server.sum_ms, found.server.count
        )
    return [edges[key] for key in sorted(edges)]


def _edge(labels: dict[str, str], edges: dict[Edge, EdgeStats]) -> Edge:
    """The (client, server) of a series, its edge noted in `edges` with the child's kind."""
    key = (labels.get("client", ""), labels.get("server", ""))
    found = edges.get(key)
    if found is None:
        found = edges[key] = EdgeStats(*key)
    if found.child_kind is None:
        found.child_kind = _KINDS.get(labels.get("connection_type", ""))
    return key


def _summed(
    samples: Iterable[Sample], edges: dict[Edge, EdgeStats], *, failed: bool = False
) -> dict[Edge, float]:
    """Values summed per edge; with `failed`, only series labelled `failed="true"`."""
    sums: dict[Edge, float] = {}
    for labels, value in samples:
        if failed and labels.get("failed") != "true":
            continue
        key = _edge(labels, edges)
        sums[key] = sums.get(key, 0.0) + value
    return sums


def _le(text: str | None) -> float:
    try:
        return float("+Inf" if text is None else text)
    except ValueError:
        return math.nan


def _latency(
    buckets: list[tuple[float, float]], sum_s: float | None, count: float | None
) -> Latency:
    counts = histogram.latency_histogram(buckets)
    total = round(count) if count is not None else sum(counts)
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
        # A large fleet's answers are a million small dicts and hardly a cycle among them.
        with paused_gc():
            answers = [self._query(query, end_s) for query in self.queries(window_s)]
            return edges_of(*answers)

    def _query(self, query: str, time_s: int) -> list[Sample]:
        path = "/api/v1/query"
        params: dict[str, str | int] = {"query": query, "time": time_s}
        _, body = fetch.get(
            self._client, path, source=self.name, params=params, explain=prometheus_error
        )
        return parse_vector(body, source=f"{self.name}: GET {path}")
