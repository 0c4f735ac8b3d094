"""OTLP JSON logs (`{"resourceLogs": ...}`, as the Collector and the SDKs write them).

A file may also be JSON Lines of such documents. Every problem of shape raises a
`TraceFormatError` naming the source and the JSON path; a record stamped absurdly late
is refused on its own and counted (`LogExport.refused`).
"""

from __future__ import annotations

import base64
import binascii
import math

import msgspec

from topology.errors import TraceFormatError
from topology.parsing import decoding
from topology.parsing.decoding import BadValueError, TimeRangeError, Wire, shown, time_number
from topology.parsing.otlp import Resource, value_of
from topology.signals.logs import LogReader
from topology.signals.model import LogExport
from topology.signals.structured import MAP_TEXT, map_text

_SERVICE_NAME = "service.name"
_HEX_DIGITS = "0123456789abcdef"
SEVERITY_NAMES = {
    f"SEVERITY_NUMBER_{level}{suffix}": 4 * rank + step + 1
    for rank, level in enumerate(("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"))
    for step, suffix in enumerate(("", "2", "3", "4"))
}
"""The names of `severityNumber` values, as protobuf's JSON writes the enum."""


class Body(Wire, rename="camel"):
    """A record's body (an AnyValue): a string mostly; other kinds are kept as raw JSON."""

    string_value: str | None = None
    bool_value: bool | None = None
    int_value: int | str | None = None
    double_value: float | str | None = None
    kvlist_value: msgspec.Raw = msgspec.Raw()
    array_value: msgspec.Raw = msgspec.Raw()
    bytes_value: str | None = None


class _Field(Wire):
    """One field of a map body: its key and, when a string or a number, its value."""

    key: str = ""
    value: Body | None = None


class _Fields(Wire):
    """A map body's fields."""

    values: list[_Field] | None = None


_MAP_DECODER = msgspec.json.Decoder(_Fields)


class OtlpLogRecord(Wire, rename="camel"):
    """The fields of a log record that the counts need."""

    time_unix_nano: int | float | str | None = None
    observed_time_unix_nano: int | float | str | None = None
    severity_number: int | str | None = None
    severity_text: str | None = None
    body: Body | None = None
    trace_id: str | None = None
    span_id: str | None = None


class ScopeLogs(Wire, rename="camel"):
    """The records of one instrumentation scope."""

    log_records: list[OtlpLogRecord] | None = None


class ResourceLogs(Wire, rename="camel"):
    """The records of one resource; its `service.name` is the service."""

    resource: Resource | None = None
    scope_logs: list[ScopeLogs] | None = None
    instrumentation_library_logs: list[ScopeLogs] | None = None


class LogsData(Wire, rename="camel"):
    """An OTLP logs document."""

    resource_logs: list[ResourceLogs] | None = None


DECODER = msgspec.json.Decoder(LogsData)


def parse_logs(data: bytes, *, source: str, now_s: int, body_chars: int | None = None) -> LogExport:
    """The records of an OTLP JSON logs document (or JSON Lines of them)."""
    reader = LogReader(now_s) if body_chars is None else LogReader(now_s, body_chars)
    try:
        decoding.each_document(
            DECODER, decoding.body_of(data), lambda doc, _: add_documents(reader, doc, "$")
        )
    except TraceFormatError as error:
        raise TraceFormatError(f"{source}: {error}") from None
    return reader.export


def add_documents(reader: LogReader, doc: LogsData, path: str) -> None:
    """Add every record of `doc` to `reader`."""
    for i, group in enumerate(doc.resource_logs or ()):
        service = service_of(group.resource)
        for key, scopes in (
            ("scopeLogs", group.scope_logs),
            ("instrumentationLibraryLogs", group.instrumentation_library_logs),
        ):
            for j, scope in enumerate(scopes or ()):
                for k, record in enumerate(scope.log_records or ()):
                    try:
                        _add(reader, service, record)
                    except BadValueError as error:
                        where = f"{path}.resourceLogs[{i}].{key}[{j}].logRecords[{k}]"
                        raise error.at(where) from None


def service_of(resource: Resource | None) -> str | None:
    """The `service.name` of a resource, if it is a string."""
    service = None
    for attribute in (resource.attributes if resource is not None else None) or ():
        if attribute.key == _SERVICE_NAME:
            value = value_of(attribute.value)
            service = value if isinstance(value, str) else None
    return service


def _add(reader: LogReader, service: str | None, record: OtlpLogRecord) -> None:
    time_ns = nanos(record.time_unix_nano, "timeUnixNano")
    observed_ns = nanos(record.observed_time_unix_nano, "observedTimeUnixNano")
    number = record.severity_number
    if isinstance(number, str):
        number = SEVERITY_NAMES.get(number.upper())
    text, identity = _body(record.body)
    ids = f"{_hex(record.trace_id)}|{_hex(record.span_id)}|".encode()
    reader.add(
        service,
        time_ns=time_ns,
        observed_ns=observed_ns,
        severity=(number, record.severity_text),
        body=text,
        identity=ids + identity,
    )


def _hex(value: str | None) -> str:
    """An id as lower-case hex, as protobuf's bytes print; base64 (protobuf's JSON) decoded."""
    if not value:
        return ""
    lowered = value.lower()
    if not lowered.strip(_HEX_DIGITS):
        return lowered
    try:
        return base64.b64decode(value, validate=True).hex()
    except (binascii.Error, ValueError):
        return lowered


def _body(body: Body | None) -> tuple[str, bytes]:
    """The text mined for a template, and bytes telling apart bodies that are not strings."""
    if body is None:
        return "", b""
    if body.string_value is not None:
        return body.string_value, b""
    for value in (body.bool_value, body.int_value, body.double_value):
        if value is not None:
            return str(value), b""
    if body.kvlist_value:
        raw = bytes(body.kvlist_value)
        return _map_text(raw), raw
    if body.array_value:
        return "<list>", bytes(body.array_value)
    return ("<bytes>", (body.bytes_value or "").encode()) if body.bytes_value else ("", b"")


def _map_text(raw: bytes) -> str:
    """A map body as `map_text` reads it: its level and message fields as a JSON line."""
    try:
        fields = _MAP_DECODER.decode(raw).values or []
    except msgspec.ValidationError:
        return MAP_TEXT
    return map_text((field.key, _scalar(field.value)) for field in fields)


def _scalar(value: Body | None) -> str | int | None:
    """A map field's string, or its whole number (which OTLP JSON may write as a string)."""
    if value is None:
        return None
    if value.string_value is not None:
        return value.string_value
    number = value.int_value
    if isinstance(number, str):
        try:
            return int(number)
        except ValueError:  # not a whole number, or past Python's 4,300 digits
            return None
    return number


def nanos(value: float | str | None, field: str) -> int:
    """A time in Unix nanoseconds, 0 when absent, perhaps absurd (negative, far too late).

    A whole number past 64 bits is absurd (-1); not a whole number: a `BadValueError`.
    """
    if isinstance(value, float) and math.isfinite(value) and not value.is_integer():
        raise BadValueError(f"not a time in nanoseconds: {shown(value)}", field)
    try:
        return time_number(value, field, "nanoseconds") or 0
    except TimeRangeError:
        return -1  # a whole number, absurd: refused with the record, like any absurd time
