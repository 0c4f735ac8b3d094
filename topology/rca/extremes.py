"""The least and most value of many series in the baseline and in the incident, all at once.

Whether a series' score could reach a cutoff is first judged from these four extremes
(`scoring.reach`, and `signals`' directions of a resource metric): most series of a large
map are far from it. One at a time, each series costs a few function calls; packed into
arrays, all the series on the same windows together cost about what reading their values
once does. Minimums, maximums, their differences and the products with the cutoff are the
same floating-point numbers either way, so a verdict given here is the one-at-a-time
verdict. A series is not judged here (its verdict is None) when a window is empty, holds
a gap, or runs past its values, or when its values are not numbers of one length.

Read `measured`, a window's extremes are those of the values measured in it, its gaps
(None) left out, as `scoring.robust_score` first judges them: a low-traffic service's
latency quantiles have gaps in most minutes, and would otherwise all be read in full. A
window with no value measured is not judged, but told apart (`unmeasured`): no score can
be read of it. (A series' values are numbers or None, never NaN: the snapshots refuse
it, and the store's series hold None where nothing was measured.)
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from topology.rca.arrays import table_of
from topology.rca.metrics import Metric
from topology.rca.scoring import RELATIVE_FLOOR

if TYPE_CHECKING:
    import numpy
    import numpy.typing

    Floats = numpy.typing.NDArray[numpy.float64]
    Flags = numpy.typing.NDArray[numpy.bool_]

K = TypeVar("K", bound=Hashable)

VALUES = 1_000_000
"""Values of the series packed together, about: bounds the arrays' memory (8 MB)."""
SCREENED_FROM = 4000
"""Series from which they are judged together first, from their extremes: fewer are
judged one by one in less time than loading the array library takes."""


def worth_screening(series: int) -> bool:
    """Whether that many series are judged together first (`SCREENED_FROM`)."""
    return series >= SCREENED_FROM


@dataclass(frozen=True, slots=True)
class Extremes:
    """Per series: its least and most value in each window, and whether it was judged."""

    low_before: Floats
    high_before: Floats
    low_during: Floats
    high_during: Floats
    judged: Flags
    """False where a window is empty, holds a gap or runs past the values (NaN above)."""
    unmeasured: Flags
    """Read `measured`: True where the values were read and a window holds none measured."""

    def may_reach(self, *, up: bool, floor: float, relative: bool, cutoff: float) -> Flags:
        """Per series, as `scoring.reach` judges: whether the excess may reach `cutoff`.

        The most the excess can be (the incident's worst extreme against the baseline's
        best), over the least the spread's floor can be. Meaningful where `judged`.
        """
        import numpy  # noqa: PLC0415 - loaded with the arrays

        low = self.low_before
        with numpy.errstate(invalid="ignore"):  # NaN where not judged; inf less inf
            most = self.high_during - low if up else self.high_before - self.low_during
            least = numpy.full(len(low), floor)
            if relative:
                grown = low >= 0
                least[grown] = numpy.maximum(least[grown], RELATIVE_FLOOR * low[grown])
            found: Flags = most >= cutoff * least
        return found

    def reach(self, metrics: Sequence[Metric], cutoff: float) -> list[bool | None]:
        """`scoring.reach` of each series read as its metric; None where not judged."""
        import numpy  # noqa: PLC0415 - loaded with the arrays

        found = numpy.zeros(len(metrics), dtype=numpy.bool_)
        by_metric: dict[Metric, list[int]] = {}
        for metric, rows in _runs(metrics, by_metric):
            every = self.may_reach(
                up=metric.up_is_bad, floor=metric.floor, relative=metric.relative, cutoff=cutoff
            )
            found[rows] = every[rows]
        return [
            bool(may) if judged else None
            for may, judged in zip(found.tolist(), self.judged.tolist(), strict=True)
        ]


def extremes(
    rows: Sequence[Sequence[float | None]],
    windows: Sequence[tuple[range, range]],
    *,
    measured: bool = False,
) -> Extremes:
    """The extremes of each row in its (baseline, incident) positions.

    Of the values measured in them, gaps left out, when `measured`. Rows on the same
    positions are packed together, `VALUES` values at a time.
    """
    import numpy  # noqa: PLC0415 - loaded only for maps with many series

    least, most = (numpy.fmin, numpy.fmax) if measured else (numpy.minimum, numpy.maximum)
    size = len(rows)
    found = [numpy.full(size, numpy.nan) for _ in range(4)]
    read = numpy.zeros(size, dtype=numpy.bool_)
    groups: dict[tuple[range, range], list[int]] = {}
    for (before, during), members in _runs(windows, groups):
        if not len(before) or not len(during):
            continue
        width = max(before.stop, during.stop)
        chunk = max(1, VALUES // width)
        for start in range(0, len(members), chunk):
            part = members[start : start + chunk]
            table = table_of([rows[i] for i in part], len(rows[part[0]]))
            if table is None or table.shape[1] < width:
                continue
            base = table[:, before.start : before.stop]
            seen = table[:, during.start : during.stop]
            at = numpy.asarray(part, dtype=numpy.int64)
            read[at] = True
            for into, value in zip(
                found,
                (
                    least.reduce(base, axis=1),
                    most.reduce(base, axis=1),
                    least.reduce(seen, axis=1),
                    most.reduce(seen, axis=1),
                ),
                strict=True,
            ):
                into[at] = value
    low_before, high_before, low_during, high_during = found
    judged: Flags = ~(
        numpy.isnan(low_before)
        | numpy.isnan(high_before)
        | numpy.isnan(low_during)
        | numpy.isnan(high_during)
    )
    unmeasured: Flags = (
        read & (numpy.isnan(low_before) | numpy.isnan(low_during))
        if measured
        else numpy.zeros(size, dtype=numpy.bool_)
    )
    return Extremes(
        low_before=low_before,
        high_before=high_before,
        low_during=low_during,
        high_during=high_during,
        judged=judged,
        unmeasured=unmeasured,
    )


def _runs(items: Sequence[K], groups: dict[K, list[int]]) -> Iterable[tuple[K, list[int]]]:
    """The positions of each distinct item of `items`, gathered into `groups`.

    Items mostly come in runs of one object (a snapshot's series share their windows, a
    screen's rows their metric): an item that is the one before it is not hashed again.
    """
    last: K | None = None
    members: list[int] = []
    for i, item in enumerate(items):
        if item is not last:
            members = groups.setdefault(item, [])
            last = item
        members.append(i)
    return groups.items()
