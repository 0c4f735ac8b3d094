"""Times and durations as people type them: ISO 8601 with a zone, Unix seconds, `2h30m`."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from topology.errors import UsageError

_UNITS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800}
_DURATION = re.compile(r"(\d+)([smhdw])")
_MAX_SECONDS = 100 * 365 * 86_400


def parse_duration(text: str) -> int:
    """Seconds in a duration such as `90s`, `15m`, `2h`, `1d` or `2h30m`."""
    cleaned = text.strip().lower()
    parts = _DURATION.findall(cleaned)
    if not cleaned or "".join(n + u for n, u in parts) != cleaned:
        raise UsageError(
            f"bad duration {text!r}: use a number and a unit, like 90s, 15m, 2h, 1d or 2h30m"
        )
    seconds = sum(int(number) * _UNITS[unit] for number, unit in parts)
    if seconds <= 0 or seconds > _MAX_SECONDS:
        raise UsageError(f"bad duration {text!r}: must be more than 0s and at most 100 years")
    return seconds


def parse_time(text: str) -> int:
    """Unix seconds of an ISO 8601 time with a zone, or of a number of Unix seconds."""
    cleaned = text.strip()
    if re.fullmatch(r"\d{1,12}(\.\d+)?", cleaned):
        return int(float(cleaned))
    try:
        moment = datetime.fromisoformat(cleaned.replace("z", "Z"))
    except ValueError:
        raise UsageError(
            f"bad time {text!r}: use ISO 8601 with a zone (2026-05-01T03:00:00Z) or Unix seconds"
        ) from None
    if moment.tzinfo is None:
        raise UsageError(f"bad time {text!r}: add a zone, like Z or +02:00, so it is not ambiguous")
    return int(moment.timestamp())


def format_time(seconds: int) -> str:
    """ISO 8601 rendering in UTC of Unix seconds, to the second.

    A time no calendar date holds (a bucket stamped absurdly far ahead) reads `@seconds`.
    """
    try:
        return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):
        return f"@{seconds}"


def format_duration(seconds: int) -> str:
    """A duration in the largest two units: `45s`, `12m`, `2h5m`, `3d4h`."""
    seconds = max(0, int(seconds))
    parts: list[str] = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        if seconds >= size or (unit == "s" and not parts):
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
        if len(parts) == 2:  # noqa: PLR2004 -- two units read well enough
            break
    return "".join(part for part in parts if not part.startswith("0") or len(parts) == 1)
