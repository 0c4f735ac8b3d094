"""OTLP log severities normalised to six levels (and UNSET when nothing says which)."""

from __future__ import annotations

LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "UNSET")
"""Every normalised severity, least severe first; UNSET last."""

UNSET = "UNSET"

_BY_NUMBER = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
_SEVERITY_NUMBERS = 24
_BY_TEXT = {
    "TRACE": "TRACE",
    "FINEST": "TRACE",
    "FINER": "TRACE",
    "DEBUG": "DEBUG",
    "FINE": "DEBUG",
    "INFO": "INFO",
    "INFORMATION": "INFO",
    "NOTICE": "INFO",
    "WARN": "WARN",
    "WARNING": "WARN",
    "ERROR": "ERROR",
    "ERR": "ERROR",
    "SEVERE": "ERROR",
    "FATAL": "FATAL",
    "CRITICAL": "FATAL",
    "CRIT": "FATAL",
    "ALERT": "FATAL",
    "EMERG": "FATAL",
    "EMERGENCY": "FATAL",
    "PANIC": "FATAL",
}

WORDS = frozenset(_BY_TEXT)
"""The severity words a log line's own header may lead with, in upper case."""


def normalised(number: int | None, text: str | None) -> str:
    """The level of an OTLP `severityNumber` (1-24), else of its `severityText`, else UNSET.

    Numbers come in groups of four per level (TRACE 1-4 ... FATAL 21-24); a text is
    read without case, with or without a `SEVERITY_NUMBER_` prefix, and a digit suffix
    (`WARN2`) is ignored.
    """
    if number is not None and 1 <= number <= _SEVERITY_NUMBERS:
        return _BY_NUMBER[(number - 1) // 4]
    if not text:
        return UNSET
    word = text.strip().upper().removeprefix("SEVERITY_NUMBER_").rstrip("0123456789")
    return _BY_TEXT.get(word, UNSET)
