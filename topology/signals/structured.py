"""Structured log lines: a body that is one JSON object, its level and message in fields.

zap, logrus, pino, bunyan, structlog, logback's and log4j2's JSON layouts, Serilog's compact
format and cloud logging agents write a line as a JSON object. A record collected from a
container's output carries it as its body, often with no severity of its own. Its level is
read from the first field of `LEVEL_KEYS` present (a word, or pino's and bunyan's numbers),
and its template is mined from the first field of `MESSAGE_KEYS` that holds text, after
the logger or code site that wrote it (`LOGGER_KEYS`), not from the whole object: the
other fields (request ids, durations, paths) change from line to line and would make each
message many templates, and the logger keeps two code sites' messages that look alike
apart, as it does leading a raw line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

from topology.signals.severity import UNSET, normalised

LEVEL_KEYS = ("level", "severity", "levelname", "log.level", "lvl", "loglevel", "@l")
"""Fields naming a line's level, the first present wins."""
MESSAGE_KEYS = ("message", "msg", "@m", "@mt", "event", "log", "text")
"""Fields holding a line's message, the first holding text wins."""
LOGGER_KEYS = ("logger", "logger_name", "loggerName", "log.logger", "caller", "SourceContext")
"""Fields naming the logger or code site that wrote a line, the first holding text wins."""
NUMBERED = {10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL"}
"""pino's and bunyan's level numbers."""
READ_CHARS = 65_536
"""Longer bodies are not decoded: they are cut and mined as text, in bounded memory."""
MAP_TEXT = "<map>"
"""The text of a map body none of whose fields is a level or a message."""

_DECODER = msgspec.json.Decoder()


@dataclass(frozen=True, slots=True)
class Structured:
    """What a structured line says of itself: its level (UNSET: none) and its message.

    `message` leads with the logger that wrote it, when the line names one.
    """

    level: str
    message: str | None


def structured(body: str) -> Structured | None:
    """The level and message fields of `body` when it is one JSON object, else None."""
    if not body.startswith("{") or len(body) > READ_CHARS:
        return None
    try:
        fields = _DECODER.decode(body)
    except (msgspec.DecodeError, UnicodeEncodeError, RecursionError):  # deep nesting too
        return None
    if not isinstance(fields, dict):
        return None
    message = _text_of(fields, MESSAGE_KEYS)
    logger = _text_of(fields, LOGGER_KEYS)
    if message is not None and logger is not None:
        message = f"{logger} {message}"
    return Structured(_level_of(fields), message)


def _level_of(fields: dict[str, object]) -> str:
    for key in LEVEL_KEYS:
        value = fields.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            return normalised(None, value)
        if isinstance(value, int) and not isinstance(value, bool):
            return NUMBERED.get(value, UNSET)
        return UNSET
    return UNSET


def _text_of(fields: dict[str, object], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = fields.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def map_text(fields: Iterable[tuple[str, object]]) -> str:
    """A map body (OTLP's kvlist) as a structured line of its level, message and logger.

    `MAP_TEXT` when it holds none of them, so that its template stays one of the map bodies.
    """
    kept = {
        key: value
        for key, value in fields
        if key in _NAMED and isinstance(value, str | int) and not isinstance(value, bool)
    }
    if not kept:
        return MAP_TEXT
    return _ENCODER.encode(kept).decode()


_NAMED = frozenset(LEVEL_KEYS + MESSAGE_KEYS + LOGGER_KEYS)
_ENCODER = msgspec.json.Encoder()
