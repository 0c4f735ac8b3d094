"""Telling OTLP logs and metrics documents from trace documents, by their top-level key."""

from __future__ import annotations

import enum

from topology.errors import TraceFormatError
from topology.parsing import decoding

_LOOK = 4096
"""Bytes looked at for the key: OTLP documents start with it."""


class Signal(enum.Enum):
    """What an OTLP document other than traces holds."""

    LOGS = "resourceLogs"
    METRICS = "resourceMetrics"


def signal_of(data: bytes) -> Signal | None:
    """LOGS or METRICS for an OTLP logs or metrics document (or JSON Lines of them), else None."""
    head = data[:_LOOK]
    found = [signal for signal in Signal if b'"%s"' % signal.value.encode() in head]
    if not found:
        return None
    try:
        body = decoding.body_of(data)
        lines = decoding.json_lines(body)
        first = next(lines, None)
        keys = decoding.top_level_keys(first[1] if first else body)
    except TraceFormatError:
        try:
            keys = decoding.top_level_keys(decoding.body_of(data))
        except TraceFormatError:
            return found[0]  # the parser of that signal says what is wrong
    return next((signal for signal in found if signal.value in keys), None)
