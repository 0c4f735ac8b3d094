"""Which resource metrics of a large map could stray far enough, all judged at once.

The same rule as `topology.rca.signals`' one metric at a time, from the least and most
value of each window: a spread of at least `RELATIVE_FLOOR` of the baseline's least
value (and `FLOOR`) times the cutoff must separate the incident's extremes from the
baseline's. Minimums, maximums and the products are the same floating-point numbers
either way, so the answer is the same; a series with a gap in a window is judged the
one-at-a-time way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from topology.rca.arrays import table_of
from topology.rca.scoring import RELATIVE_FLOOR

if TYPE_CHECKING:
    import numpy
    import numpy.typing

    Floats = numpy.typing.NDArray[numpy.float64]
    Flags = numpy.typing.NDArray[numpy.bool_]

VALUES = 1_000_000
"""Values of the series judged together, about: bounds the arrays' memory (tens of MB)."""

Unmoved = Callable[[Sequence[float | None], range, range, float], bool]
"""The one-at-a-time judgement: whether values stray far enough in no direction."""


def unmoved(
    services: Sequence[tuple[Sequence[Sequence[float | None]], range, range]],
    cutoff: float,
    floor: float,
    one: Unmoved,
) -> list[list[bool]]:
    """Per (series, baseline positions, incident positions): whether each strays nowhere.

    `one` judges a series the arrays cannot (a gap, another length).
    """
    groups: dict[tuple[range, range], list[int]] = {}
    for i, (_, before, during) in enumerate(services):
        groups.setdefault((before, during), []).append(i)
    found: list[list[bool]] = [[] for _ in services]
    for (before, during), members in groups.items():
        rows = [values for i in members for values in services[i][0]]
        verdicts: list[bool | None] = []
        size = max(1, VALUES // max(1, len(rows[0]) if rows else 1))
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            if not len(before) or not len(during):
                verdicts.extend([True] * len(chunk))
                continue
            width = len(chunk[0])
            if max(before.stop, during.stop) > width:  # shorter than its time axis
                verdicts.extend([None] * len(chunk))
                continue
            verdicts.extend(_judged(chunk, width, (before, during), cutoff=cutoff, floor=floor))
        place = 0
        for i in members:
            series = services[i][0]
            judged = verdicts[place : place + len(series)]
            place += len(series)
            found[i] = [
                one(values, before, during, cutoff) if verdict is None else verdict
                for values, verdict in zip(series, judged, strict=True)
            ]
    return found


def _judged(
    values: Sequence[Sequence[float | None]],
    width: int,
    windows: tuple[range, range],
    *,
    cutoff: float,
    floor: float,
) -> list[bool | None]:
    """Whether each row strays in no direction; None where a window holds a gap."""
    import numpy  # noqa: PLC0415 - loaded only for maps with many metric series

    table = table_of(values, width)
    if table is None:
        return [None] * len(values)
    before, during = windows
    base = table[:, before.start : before.stop]
    seen = table[:, during.start : during.stop]
    low, high = base.min(axis=1), base.max(axis=1)
    least_seen, most_seen = seen.min(axis=1), seen.max(axis=1)
    gap = numpy.isnan(low) | numpy.isnan(high) | numpy.isnan(least_seen) | numpy.isnan(most_seen)
    with numpy.errstate(invalid="ignore"):  # rows with a gap are judged one at a time
        least = numpy.where(low >= 0, numpy.maximum(floor, RELATIVE_FLOOR * low), floor)
        reach = cutoff * least
        strays = (most_seen - low >= reach) | (high - least_seen >= reach)
    return [None if g else not s for g, s in zip(gap.tolist(), strays.tolist(), strict=True)]
