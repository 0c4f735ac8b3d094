"""Protobuf OTLP logs and metrics: `ExportLogsServiceRequest`, `ExportMetricsServiceRequest`.

The mapping is the OTLP JSON one (`otlp_logs`, `otlp_metrics`), read from the messages'
fields. A body that is not such an export raises `TraceFormatError`; records and points
with absurd times or values are refused one by one and counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from google.protobuf.message import DecodeError  # type: ignore[import-untyped]  # no stubs
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)

from topology.errors import TraceFormatError
from topology.gcpause import paused_gc
from topology.signals import metrics
from topology.signals.logs import UNKNOWN_SERVICE, LogReader
from topology.signals.metrics import Cumulatives, Sample
from topology.signals.model import LogExport, MetricExport
from topology.signals.structured import map_text

_SERVICE_NAME = "service.name"
_COUNTED = ("histogram", "exponential_histogram", "summary")


def read_logs_protobuf(
    data: bytes, *, source: str, now_s: int, body_chars: int | None = None
) -> LogExport:
    """The records of a protobuf logs export."""
    reader = LogReader(now_s) if body_chars is None else LogReader(now_s, body_chars)
    with paused_gc():
        try:
            request = ExportLogsServiceRequest.FromString(data)
        except (DecodeError, RuntimeError, ValueError):
            raise TraceFormatError(f"{source}: not an OTLP protobuf logs export") from None
        for group in request.resource_logs:
            service = _service(group.resource.attributes)
            for scope in group.scope_logs:
                for record in scope.log_records:
                    text, identity = _body(record.body)
                    ids = b"%s|%s|" % (
                        record.trace_id.hex().encode(),
                        record.span_id.hex().encode(),
                    )
                    reader.add(
                        service,
                        time_ns=record.time_unix_nano,
                        observed_ns=record.observed_time_unix_nano,
                        severity=(record.severity_number or None, record.severity_text or None),
                        body=text,
                        identity=ids + identity,
                    )
    return reader.export


def read_metrics_protobuf(
    data: bytes, *, source: str, cumulatives: Cumulatives | None = None
) -> MetricExport:
    """The per-minute values of a protobuf metrics export."""
    samples: list[Sample] = []
    with paused_gc():
        try:
            request = ExportMetricsServiceRequest.FromString(data)
        except (DecodeError, RuntimeError, ValueError):
            raise TraceFormatError(f"{source}: not an OTLP protobuf metrics export") from None
        for group in request.resource_metrics:
            service = _service(group.resource.attributes) or UNKNOWN_SERVICE
            for scope in group.scope_metrics:
                for metric in scope.metrics:
                    _add_metric(samples, service, metric)
    export = MetricExport()
    metrics.reduce(samples, cumulatives or Cumulatives(), export)
    return export


def _add_metric(samples: list[Sample], service: str, metric: Any) -> None:  # noqa: ANN401 - a Metric message, untyped
    which = metric.WhichOneof("data")
    if which in ("gauge", "sum"):
        data = getattr(metric, which)
        kind = metrics.GAUGE if which == "gauge" else metrics.SUM
        monotonic = which == "sum" and data.is_monotonic
        temporality = data.aggregation_temporality if which == "sum" else 0
        for point in data.data_points:
            value_kind = point.WhichOneof("value")
            value = float(getattr(point, value_kind)) if value_kind else float("nan")
            samples.append(
                Sample(
                    service,
                    metric.name,
                    kind,
                    monotonic,
                    temporality,
                    _series(point.attributes),
                    point.start_time_unix_nano,
                    point.time_unix_nano,
                    value,
                )
            )
    elif which in _COUNTED:
        for point in getattr(metric, which).data_points:
            if not point.count or (which != "summary" and not point.HasField("sum")):
                continue  # no mean to take
            samples.append(
                Sample(
                    service,
                    metric.name,
                    metrics.DISTRIBUTION,
                    False,
                    0,
                    _series(point.attributes),
                    point.start_time_unix_nano,
                    point.time_unix_nano,
                    point.sum / point.count,
                )
            )


def _service(attributes: Iterable[Any]) -> str | None:
    service = None
    for attribute in attributes:
        if attribute.key == _SERVICE_NAME:
            value = attribute.value
            service = value.string_value if value.HasField("string_value") else None
    return service


def _body(body: Any) -> tuple[str, bytes]:  # noqa: ANN401 - an AnyValue message, untyped
    which = body.WhichOneof("value")
    if which == "string_value":
        return body.string_value, b""
    if which in ("bool_value", "int_value", "double_value"):
        return str(getattr(body, which)), b""
    if which == "kvlist_value":
        fields = ((field.key, _scalar(field.value)) for field in body.kvlist_value.values)
        return map_text(fields), body.SerializeToString()
    if which == "array_value":
        return "<list>", body.SerializeToString()
    if which == "bytes_value":
        return "<bytes>", body.bytes_value
    return "", b""


def _scalar(value: Any) -> str | int | None:  # noqa: ANN401 - an AnyValue message, untyped
    which = value.WhichOneof("value")
    if which == "string_value":
        return str(value.string_value)
    if which == "int_value":
        return int(value.int_value)
    return None


def _series(attributes: Iterable[Any]) -> object:
    return tuple(sorted((a.key, a.value.SerializeToString()) for a in attributes))
