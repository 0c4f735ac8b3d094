"""OTLP JSON metrics (`{"resourceMetrics": ...}`, as the Collector and the SDKs write them).

Every problem of shape raises a `TraceFormatError` naming the source and the JSON path;
points stamped absurdly late or with no finite value are refused on their own and counted.
"""

from __future__ import annotations

import math

import msgspec

from topology.errors import TraceFormatError
from topology.parsing import decoding
from topology.parsing.decoding import BadValueError, Wire, shown
from topology.parsing.otlp import KeyValue, Resource
from topology.parsing.otlp_logs import nanos, service_of
from topology.signals import metrics
from topology.signals.logs import UNKNOWN_SERVICE
from topology.signals.metrics import Cumulatives, Sample
from topology.signals.model import MetricExport

_SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_TEMPORALITY = {"AGGREGATION_TEMPORALITY_DELTA": 1, "AGGREGATION_TEMPORALITY_CUMULATIVE": 2}


class NumberPoint(Wire, rename="camel"):
    """A gauge's or a sum's data point."""

    attributes: list[KeyValue] | None = None
    start_time_unix_nano: int | float | str | None = None
    time_unix_nano: int | float | str | None = None
    as_double: float | str | None = None
    as_int: int | str | None = None


class CountedPoint(Wire, rename="camel"):
    """A histogram's, exponential histogram's or summary's data point: its count and sum."""

    attributes: list[KeyValue] | None = None
    start_time_unix_nano: int | float | str | None = None
    time_unix_nano: int | float | str | None = None
    count: int | str | None = None
    sum: float | str | None = None


class Numbers(Wire, rename="camel"):
    """A gauge or a sum."""

    data_points: list[NumberPoint] | None = None
    aggregation_temporality: int | str | None = None
    is_monotonic: bool | None = None


class Counted(Wire, rename="camel"):
    """A histogram, an exponential histogram or a summary."""

    data_points: list[CountedPoint] | None = None


class OtlpMetric(Wire, rename="camel"):
    """One metric: a name and one kind of data."""

    name: str = ""
    gauge: Numbers | None = None
    sum: Numbers | None = None
    histogram: Counted | None = None
    exponential_histogram: Counted | None = None
    summary: Counted | None = None


class ScopeMetrics(Wire, rename="camel"):
    """The metrics of one instrumentation scope."""

    metrics: list[OtlpMetric] | None = None


class ResourceMetrics(Wire, rename="camel"):
    """The metrics of one resource; its `service.name` is the service."""

    resource: Resource | None = None
    scope_metrics: list[ScopeMetrics] | None = None
    instrumentation_library_metrics: list[ScopeMetrics] | None = None


class MetricsData(Wire, rename="camel"):
    """An OTLP metrics document."""

    resource_metrics: list[ResourceMetrics] | None = None


DECODER = msgspec.json.Decoder(MetricsData)


def parse_metrics(
    data: bytes, *, source: str, cumulatives: Cumulatives | None = None
) -> MetricExport:
    """The per-minute values of an OTLP JSON metrics document (or JSON Lines of them)."""
    samples: list[Sample] = []
    try:
        decoding.each_document(
            DECODER, decoding.body_of(data), lambda doc, _: _add_document(samples, doc)
        )
    except TraceFormatError as error:
        raise TraceFormatError(f"{source}: {error}") from None
    export = MetricExport()
    metrics.reduce(samples, cumulatives or Cumulatives(), export)
    return export


def _add_document(samples: list[Sample], doc: MetricsData) -> None:
    for i, group in enumerate(doc.resource_metrics or ()):
        service = service_of(group.resource) or UNKNOWN_SERVICE
        for key, scopes in (
            ("scopeMetrics", group.scope_metrics),
            ("instrumentationLibraryMetrics", group.instrumentation_library_metrics),
        ):
            for j, scope in enumerate(scopes or ()):
                for k, metric in enumerate(scope.metrics or ()):
                    path = f"$.resourceMetrics[{i}].{key}[{j}].metrics[{k}]"
                    _add_metric(samples, service, metric, path)


def _add_metric(samples: list[Sample], service: str, metric: OtlpMetric, path: str) -> None:
    numbers = metric.gauge or metric.sum
    kind = metrics.GAUGE if metric.gauge is not None else metrics.SUM
    field = "gauge" if metric.gauge is not None else "sum"
    if numbers is not None:
        temporality = numbers.aggregation_temporality
        if isinstance(temporality, str):
            temporality = _TEMPORALITY.get(temporality, 0)
        monotonic = bool(numbers.is_monotonic)
        for n, point in enumerate(numbers.data_points or ()):
            try:
                value = _number(point)
                start, time = _times(point)
            except BadValueError as error:
                raise error.at(f"{path}.{field}.dataPoints[{n}]") from None
            series = _series(point.attributes)
            samples.append(
                Sample(
                    service,
                    metric.name,
                    kind,
                    monotonic,
                    temporality or 0,
                    series,
                    start,
                    time,
                    value,
                )
            )
        return
    for field, counted in (
        ("histogram", metric.histogram),
        ("exponentialHistogram", metric.exponential_histogram),
        ("summary", metric.summary),
    ):
        for n, counted_point in enumerate(counted.data_points or () if counted else ()):
            try:
                count = _float(counted_point.count, "count")
                total = _float(counted_point.sum, "sum") if counted_point.sum is not None else None
                start, time = _times(counted_point)
            except BadValueError as error:
                raise error.at(f"{path}.{field}.dataPoints[{n}]") from None
            if total is None or not count:
                continue  # no mean to take
            series = _series(counted_point.attributes)
            samples.append(
                Sample(
                    service,
                    metric.name,
                    metrics.DISTRIBUTION,
                    False,
                    0,
                    series,
                    start,
                    time,
                    total / count,
                )
            )


def _times(point: NumberPoint | CountedPoint) -> tuple[int, int]:
    return (
        nanos(point.start_time_unix_nano, "startTimeUnixNano"),
        nanos(point.time_unix_nano, "timeUnixNano"),
    )


def _number(point: NumberPoint) -> float:
    if point.as_double is not None:
        return _float(point.as_double, "asDouble")
    if point.as_int is not None:
        return _float(point.as_int, "asInt")
    return math.nan


def _float(value: float | str | None, field: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, str):
        special = _SPECIAL.get(value)
        if special is not None:
            return special
        try:
            return float(int(value)) if field in ("asInt", "count") else float(value)
        except (ValueError, OverflowError):
            raise BadValueError(f"not a number: {shown(value)}", field) from None
    try:
        return float(value)
    except OverflowError:
        raise BadValueError(f"a number out of range: {shown(value)}", field) from None


def _series(attributes: list[KeyValue] | None) -> object:
    return tuple(sorted((a.key, bytes(a.value)) for a in attributes or ()))
