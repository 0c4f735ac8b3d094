"""Per-service metrics from Prometheus: one range PromQL query per signal the settings name.

A signal is the metric name svcmap stores (as an OTLP metric's name is stored) and a
PromQL expression whose series name their service in a label, `service` unless told
otherwise: `sum by (service) (...)`, or `label_replace` of a pod's or job's label. A pass
asks each signal for the whole minutes it covers, a sample at the end of each minute
(`step` 60 s): the sample at T is the value of the minute [T - 60, T), as a `rate(...[1m])`
evaluated at T covers it. A service's name is cleaned as a span's is (blanks, NUL, its
length). Series without the label, and samples that are not finite
numbers or fall outside the minutes asked for, are left out and counted; several series of
one service in a minute (pods, when the query does not sum them) are averaged when stored.

The signals come from a YAML file of `metric name: PromQL` (`signals_of`), for example:

    k8s.pod.cpu_limit_utilization: >-
      sum by (service) (rate(container_cpu_usage_seconds_total{container!=''}[1m]))
      / sum by (service) (kube_pod_container_resource_limits{resource='cpu'})
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import httpx
import msgspec

from bot.adapters.sources import fetch, wire
from bot.adapters.sources.ports import SignalRead
from bot.adapters.sources.prometheus import check_answer, prometheus_error
from topology.errors import SettingsError, SourceError
from topology.gcpause import paused_gc
from topology.parsing.naming import clean_name
from topology.signals.model import MetricPoint

MINUTE = 60
PATH = "/api/v1/query_range"
MAX_SIGNALS = 64
"""Signals a file may name: each is a query every pass."""
MAX_NAME_CHARS = 200
MAX_QUERY_CHARS = 10_000
MAX_FILE_BYTES = 1_000_000
MAX_SERIES = 20_000
"""Series one answer may hold: a query summed by service gives one a service."""


def signals_of(text: str, *, source: str) -> dict[str, str]:
    """The signals a YAML file names: metric name to PromQL, in the file's order.

    Anything else (not YAML, not a mapping, a name or query that is not a non-empty line
    of text within its length, a name twice, too many signals) raises a `SettingsError`
    naming `source`.
    """
    import yaml  # noqa: PLC0415 - read once, at start, when signals are set

    if len(text.encode()) > MAX_FILE_BYTES:
        raise SettingsError(f"{source}: larger than {MAX_FILE_BYTES:,} bytes")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise SettingsError(f"{source}: not valid YAML{where}") from None
    if not isinstance(document, dict) or not document:
        raise SettingsError(f"{source}: expected a mapping of metric names to PromQL queries")
    if len(document) > MAX_SIGNALS:
        raise SettingsError(f"{source}: {len(document)} signals, at most {MAX_SIGNALS}")
    found: dict[str, str] = {}
    for name, query in document.items():
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_CHARS:
            raise SettingsError(
                f"{source}: {name!r}: a metric name is text of 1 to {MAX_NAME_CHARS} characters"
            )
        if not isinstance(query, str) or not query.strip() or len(query) > MAX_QUERY_CHARS:
            raise SettingsError(
                f"{source}: {name}: the query is PromQL text of 1 to {MAX_QUERY_CHARS:,} characters"
            )
        if any(not char.isprintable() for char in name):
            raise SettingsError(f"{source}: {name!r}: a metric name is one line of printable text")
        if name.strip() in found:  # "cpu" and " cpu": the second would replace the first
            raise SettingsError(f"{source}: {name.strip()!r}: the metric is named twice")
        found[name.strip()] = query.strip()
    return found


class _Series(wire.Struct):
    metric: dict[str, str] | None = None
    values: list[tuple[float, str]] | None = None


class _Data(wire.Struct):
    resultType: str = ""  # noqa: N815 - the wire's name
    result: list[_Series] = msgspec.field(default_factory=list)


class _Answer(wire.Struct):
    status: str = ""
    data: _Data | None = None


def parse_signal_matrix(
    data: bytes, *, metric: str, label: str, minutes: tuple[int, int], source: str
) -> SignalRead:
    """The points of a range query's answer: the value of `metric` per service and minute.

    `minutes` is the first minute asked for and the end of the last; a sample at T counts
    for the minute starting at T - 60. `status: error` raises with Prometheus's message;
    an answer that is not a matrix raises too.
    """
    with paused_gc():  # a large fleet's answer is many small objects, hardly a cycle
        answer = wire.decode(data, _Answer, source=source)
    kind = answer.data.resultType if answer.data else None
    matrix = ("matrix", "a range vector (matrix)")
    check_answer(data, answer.status, kind, expected=matrix, source=source)
    assert answer.data is not None  # noqa: S101 - checked just above: a matrix came
    if len(answer.data.result) > MAX_SERIES:
        raise SourceError(
            f"{source}: {len(answer.data.result):,} series, more than {MAX_SERIES:,}:"
            " sum the query by the service label"
        )
    first, end = minutes
    points: list[MetricPoint] = []
    unlabelled = unusable = 0
    for series in answer.data.result:
        service = clean_name((series.metric or {}).get(label, ""))
        if service is None:
            unlabelled += 1
            continue
        for at, text in series.values or ():
            value = _number(text, source)
            minute = (math.floor(at) - MINUTE) // MINUTE * MINUTE if math.isfinite(at) else -1
            if not (math.isfinite(value) and first <= minute < end):
                unusable += 1
                continue
            points.append(MetricPoint(service, metric, minute, value))
    return SignalRead(points, unlabelled, unusable)


def _number(text: str, source: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise SourceError(f"{source}: not a sample value: {fetch.excerpt(text.encode())}") from None


class PrometheusSignalSource:
    """Per-service signals (CPU, memory, queue depth...) read from Prometheus's HTTP API."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        signals: Mapping[str, str],
        service_label: str = "service",
        name: str = "prometheus-signals",
    ) -> None:
        self.name = name
        self.queries = dict(signals)
        self.signals = tuple(self.queries)
        self.service_label = service_label
        self._client = client

    def points(self, signal: str, *, start_s: int, end_s: int) -> SignalRead:
        """`signal`'s value per service in the whole minutes from `start_s` to `end_s`."""
        first = start_s - start_s % MINUTE
        end = end_s - end_s % MINUTE
        if end <= first:
            return SignalRead([])
        params: dict[str, str | int] = {
            "query": self.queries[signal],
            "start": first + MINUTE,
            "end": end,
            "step": MINUTE,
        }
        _, body = fetch.get(
            self._client, PATH, source=self.name, params=params, explain=prometheus_error
        )
        return parse_signal_matrix(
            body,
            metric=signal,
            label=self.service_label,
            minutes=(first, end),
            source=f"{self.name}: {signal}: GET {PATH}",
        )
