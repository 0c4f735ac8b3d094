"""Log and metric rows read back into series: per service, one value per minute.

Pure: both store readers (`bot.adapters.store.signals` over SQLAlchemy, the stdlib SQLite
reader) hand their rows, plain tuples, to these.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from bot.adapters.store.columns import MINUTE
from topology.signals.severity import LEVELS

if TYPE_CHECKING:
    from topology.rca.snapshot import Series

LEVEL_KEY = "level:"
"""Prefix of a log series counting the records of one severity (`level:ERROR`)."""
TEMPLATE_KEY = "template:"
"""Prefix of a log series counting the records of one template (`template:<text>`)."""

Counts = dict[str, dict[str, dict[int, float]]]
"""Per service, per series key, per minute start: the value."""


def new_counts() -> Counts:
    """Empty counts, adding services and series keys as they come."""
    return defaultdict(lambda: defaultdict(dict))


def add_levels(counts: Counts, rows: Iterable[Sequence[Any]]) -> None:
    """Add `log_minutes` rows (service, start, then the `LOG_LEVEL_COLUMNS` counts)."""
    for service, minute, *levels in rows:
        for level, value in zip(LEVELS, levels, strict=True):
            if value:
                counts[service][LEVEL_KEY + level][int(minute)] = float(value)


def add_templates(counts: Counts, rows: Iterable[Sequence[Any]]) -> None:
    """Add template counts: rows of service, minute start, template text, count."""
    for service, minute, text, count in rows:
        series = counts[service][TEMPLATE_KEY + text]
        series[int(minute)] = series.get(int(minute), 0.0) + float(count)


def add_means(counts: Counts, rows: Iterable[Sequence[Any]]) -> None:
    """Add metric means: rows of service, metric name, minute start, total, points."""
    for service, name, minute, total, points in rows:
        if points:
            counts[service][name][int(minute)] = float(total) / int(points)


def minute_starts(start: int, end: int) -> tuple[float, ...]:
    """Every minute start `m` with `start <= m <= end`."""
    first = -(-start // MINUTE) * MINUTE
    return tuple(float(minute) for minute in range(first, end + 1, MINUTE))


def series_of(counts: Counts, start: int, end: int, *, missing: float | None) -> dict[str, Series]:
    """Per service with any value, its series over the minutes in `[start, end]`."""
    from topology.rca.snapshot import Series  # noqa: PLC0415 - loads ranking: rca only

    t = minute_starts(start, end)
    place = {int(minute): i for i, minute in enumerate(t)}
    return {
        service: Series(
            t, {key: _row(values, place, missing) for key, values in sorted(metrics.items())}
        )
        for service, metrics in sorted(counts.items())
        if metrics
    }


def _row(
    values: dict[int, float], place: dict[int, int], missing: float | None
) -> tuple[float | None, ...]:
    """The values at their minutes' places, `missing` elsewhere; minutes off the grid dropped."""
    row: list[float | None] = [missing] * len(place)
    for minute, value in values.items():
        at = place.get(minute)
        if at is not None:
            row[at] = value
    return tuple(row)
