"""Whether a service's average latency grew by enough for its own time to have grown.

Own time is part of the latency: it cannot grow by more than the whole did, unless its
calls got faster at the same time (and then the service is no slower to its callers). So
the own time of a service is read only when its latency's worst held value (over
`PERSISTENCE` steps of the incident) stands that far above its baseline's median. A large
map's services are judged all at once with array arithmetic: the held worst, the least
and the median are the same floating-point numbers either way, so the verdict is the
one-at-a-time verdict; a service whose windows hold a gap, or whose values are not
numbers of one length, is judged on its own.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING

from topology.rca.arrays import table_of
from topology.rca.scoring import PERSISTENCE, Positions, held_worst, measured
from topology.rca.snapshot import Series

if TYPE_CHECKING:
    import numpy
    import numpy.typing

    Floats = numpy.typing.NDArray[numpy.float64]

KEY = "latency_avg_ms"
SCREENED_FROM = 2000
"""Services from which they are judged all at once: fewer are judged one by one in less
time than loading the array library takes."""


def slower(served: Series, grown: float, positions: Positions) -> bool:
    """Whether the service's average latency grew by `grown` or more.

    `positions` holds where the baseline and the incident fall in the service's steps.
    """
    values = served.metrics.get(KEY)
    if values is None:
        return False
    before_at, during_at = positions.of(served.t)
    before = measured(values, before_at)
    during = measured(values, during_at)
    if not before or not during:
        return False
    worst = held_worst(during, up=True)
    if worst - min(before) < grown:
        return False  # the median is at least the least: most services stop here, unsorted
    return worst - statistics.median(before) >= grown


def slower_together(served: Sequence[Series], grown: float, positions: Positions) -> list[bool]:
    """`slower` of each service; a large map's judged all at once."""
    if len(served) < SCREENED_FROM:
        return [slower(series, grown, positions) for series in served]
    import numpy  # noqa: PLC0415 - loaded only for large maps

    found: list[bool | None] = [None] * len(served)
    groups: dict[tuple[range, range], list[int]] = {}
    for i, series in enumerate(served):
        if KEY in series.metrics:
            groups.setdefault(positions.of(series.t), []).append(i)
        else:
            found[i] = False
    for (before, during), members in groups.items():
        if not before or not during:
            continue  # judged one by one (no values in a window: not slower)
        rows = [served[i].metrics[KEY] for i in members]
        table = table_of(rows, len(rows[0]))
        if table is None or table.shape[1] < max(before.stop, during.stop):
            continue
        grew = _grew(table[:, before.start : before.stop], table[:, during.start : during.stop])
        for i, verdict, gap in zip(
            members, (grew >= grown).tolist(), numpy.isnan(grew).tolist(), strict=True
        ):
            found[i] = None if gap else verdict
    return [
        slower(series, grown, positions) if verdict is None else verdict
        for series, verdict in zip(served, found, strict=True)
    ]


def _grew(before: Floats, during: Floats) -> Floats:
    """Per row: how far the held worst of `during` is above `before`'s median.

    As `slower` reads them; NaN where a window holds a gap (or the difference is not a
    number).
    """
    import numpy  # noqa: PLC0415 - loaded with the arrays

    width = during.shape[1]
    steps = min(PERSISTENCE, width)
    held = during[:, : width - steps + 1]
    for shift in range(1, steps):  # each run of `steps` steps' least value
        held = numpy.minimum(held, during[:, shift : shift + width - steps + 1])
    worst = held.max(axis=1)
    ordered = numpy.sort(before, axis=1)
    middle = ordered.shape[1] // 2
    median = ordered[:, middle]
    with numpy.errstate(invalid="ignore"):  # infinite latencies: inf less inf
        if ordered.shape[1] % 2 == 0:  # as `statistics.median` takes the middle two
            median = (ordered[:, middle - 1] + ordered[:, middle]) / 2
        grew: Floats = worst - median
    gap = numpy.isnan(before).any(axis=1) | numpy.isnan(during).any(axis=1)
    grew[gap] = numpy.nan
    return grew
