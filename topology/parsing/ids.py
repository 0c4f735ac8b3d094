"""Trace and span ids in one canonical form, whatever format they came in.

The canonical form is Zipkin's: lower-case hex, span ids padded to 16 digits, trace
ids to 16 or 32, and a 128-bit trace id whose upper half is zero shortened to its
lower 64 bits. So the same trace compares equal whether it was read from Jaeger
(which drops leading zeros), Zipkin or OTLP (which always writes 32 digits).
"""

from __future__ import annotations

import base64
import binascii

_HEX = "0123456789abcdef"
_SHORT = 16  # hex digits of a span id, and of a 64-bit trace id
_LONG = 32  # hex digits of a 128-bit trace id
_ZEROS = "0" * _SHORT


def _is_hex(lowered: str) -> bool:
    # strip() only stops at a character outside the set, so an empty rest means all hex.
    return bool(lowered) and not lowered.strip(_HEX)


def hex_trace_id(value: str) -> str | None:
    """The canonical form of a hex trace id, or None if it is not hex of at most 32 digits."""
    lowered = value.lower()
    length = len(lowered)
    if length > _LONG or not _is_hex(lowered):
        return None
    if length == _LONG:
        return lowered[_SHORT:] if lowered.startswith(_ZEROS) else lowered
    return lowered.rjust(_SHORT if length <= _SHORT else _LONG, "0")


def hex_span_id(value: str) -> str | None:
    """The canonical form of a hex span id, or None if it is not hex of at most 16 digits."""
    if len(value) == _SHORT and not value.strip(_HEX):
        return value  # already canonical: the common case, made cheap
    lowered = value.lower()
    if len(lowered) > _SHORT or not _is_hex(lowered):
        return None
    return lowered.rjust(_SHORT, "0")


def jaeger_trace_id(value: str) -> str:
    """A Jaeger trace id: canonical when hex, else kept verbatim (`trace-123`)."""
    return hex_trace_id(value) or value


def jaeger_span_id(value: str) -> str:
    """A Jaeger span id: canonical when hex, else kept verbatim (`span-2_1`)."""
    if len(value) == _SHORT and not value.strip(_HEX):
        return value
    return hex_span_id(value) or value


def _from_base64(value: str, sizes: tuple[int, ...]) -> str | None:
    padded = value.replace("-", "+").replace("_", "/")
    padded += "=" * (-len(padded) % 4)
    try:
        raw = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) in sizes else None


def otlp_trace_id(value: str) -> str | None:
    """An OTLP trace id, hex (32 digits) or base64 (16 bytes, as Tempo has it); else None."""
    if len(value) == _LONG:
        canonical = hex_trace_id(value)
        if canonical is not None:
            return canonical
    decoded = _from_base64(value, (16, 8))
    return hex_trace_id(decoded) if decoded is not None else hex_trace_id(value)


def otlp_span_id(value: str) -> str | None:
    """An OTLP span id, hex (16 digits) or base64 (8 bytes); None if neither."""
    if len(value) == _SHORT:
        if not value.strip(_HEX):
            return value  # already canonical: the common case, made cheap
        canonical = hex_span_id(value)
        if canonical is not None:
            return canonical
    decoded = _from_base64(value, (8,))
    return decoded if decoded is not None else hex_span_id(value)


def is_null_id(value: str) -> bool:
    """Whether an id is all zeros, which every format uses for 'no parent'."""
    return not value.strip("0")
