"""A quick screen of many log series at once: which of them could be evidence at all.

Most log series of a large map stay near their baseline's rate. This screen rules those
out with array arithmetic, all the series on the same minutes together, so that only the
rest are read one by one (`Minutes.change`). It follows that reading step by step (the
first estimate from the middle of the baseline's minutes by rate per request, ties cut in
time order; the usual minutes; the pooled rate; the over-dispersion; the minutes the
change held in) and errs one way only: sums added in another order are given a margin,
so a series it rules out is one the full reading finds no change in. The usual minutes
are found as the full reading finds them; a series with a minute so close to their cut
that sums added in another order could put it on the other side is kept for the full
reading. A series it cannot judge (a gap in a minute served, a negative count) is kept
for the full reading, and so are a service's series when its requests cannot be read as
numbers of the series' length.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from topology.rca.arrays import table_of
from topology.rca.counts import ANSCOMBE, MAD_SCALE, POISSON_SPREAD, PRIOR_LINES, TRIMMED, USUAL
from topology.rca.scoring import PERSISTENCE
from topology.rca.snapshot import Window

if TYPE_CHECKING:
    import numpy
    import numpy.typing

    Floats = numpy.typing.NDArray[numpy.float64]
    Flags = numpy.typing.NDArray[numpy.bool_]
    Counts = numpy.typing.NDArray[numpy.int64]

VALUES = 200_000
"""Values of the series judged together, about: each of the screen's arrays of them (1.6 MB)
then fits in a core's cache. Its thirty-odd passes over arrays five times as large went to
memory each time: the screen of 20,000 series took a fifth longer."""
SLACK = 1e-9
"""Relative allowance for sums added in another order than the full reading's."""
ROUNDING = 1e-12
"""Rounding allowed per term of the over-dispersion's sum, relative to the terms' size."""
CLOSE = 1e-6
"""A minute's distance from the cut of usual minutes, on the square-root scale, under which
sums added in another order could put it on the other side."""


@dataclass(frozen=True, slots=True)
class Logged:
    """One service's log series to screen: their counts at the minutes `t`.

    `requests` is what the service served at each of `t` (zero or None: nothing); `rises_only`
    says, per series, whether only a rise counts (a level) or a fall too (a template).
    """

    t: Sequence[float]
    requests: Sequence[float | None]
    counts: Sequence[Sequence[float | None]]
    rises_only: Sequence[bool]


@dataclass(frozen=True, slots=True)
class _Group:
    """The requests of services sharing their minutes, and the windows' positions in them."""

    served: Floats
    before: slice
    during: slice
    minutes_before: Counts
    minutes_during: Counts
    gaps: bool
    """Whether some service served nothing in some minute of the windows."""
    usable: list[bool]
    """Per service, whether its requests are numbers the screen can judge by."""


def could_change(
    services: Sequence[Logged], baseline: Window, incident: Window, cutoff: float
) -> list[list[bool]]:
    """Per service, per series: False where the full reading surely finds no change."""
    found = [[True] * len(service.counts) for service in services]
    if not cutoff >= 0:  # the full reading judges what a negative cutoff means
        return found
    by_minutes: dict[int, list[int]] = {}
    for index, service in enumerate(services):
        by_minutes.setdefault(id(service.t), []).append(index)
    for members in by_minutes.values():
        t = services[members[0]].t
        for batch in _batches([len(services[i].counts) for i in members], len(t)):
            part = [members[i] for i in batch]
            for i, verdicts in zip(
                part,
                _judged(
                    [services[i] for i in part], t, windows=(baseline, incident), cutoff=cutoff
                ),
                strict=True,
            ):
                if verdicts is not None:
                    found[i] = verdicts
    return found


def _batches(sizes: Sequence[int], width: int) -> list[range]:
    """Consecutive services holding about `VALUES` values in their series, together."""
    rows = max(1, VALUES // max(1, width))
    found, start, held = [], 0, 0
    for i, size in enumerate(sizes):
        held += size
        if held >= rows:
            found.append(range(start, i + 1))
            start, held = i + 1, 0
    if start < len(sizes):
        found.append(range(start, len(sizes)))
    return found


def _judged(
    services: Sequence[Logged], t: Sequence[float], *, windows: tuple[Window, Window], cutoff: float
) -> list[list[bool] | None]:
    """Per service of a batch on the minutes `t`: its series' verdicts; None: all kept."""
    group = _group([service.requests for service in services], t, *windows)
    found: list[list[bool] | None] = [None] * len(services)
    if group is None:
        return found
    screened = [
        member
        for member, service in enumerate(services)
        if group.usable[member] and len(service.rises_only) == len(service.counts)
    ]
    counts: list[Sequence[float | None]] = []
    owners: list[int] = []
    rises: list[bool] = []
    for member in screened:
        service = services[member]
        counts.extend(service.counts)
        owners.extend([member] * len(service.counts))
        rises.extend(service.rises_only)
    verdicts = _screen(counts, owners, rises, group, cutoff)
    if verdicts is None:
        return found
    place = 0
    for member in screened:
        size = len(services[member].counts)
        found[member] = verdicts[place : place + size]
        place += size
    return found


def _group(
    requests: Sequence[Sequence[float | None]],
    t: Sequence[float],
    baseline: Window,
    incident: Window,
) -> _Group | None:
    """The services' requests as one array; None when they cannot be read as numbers.

    A service whose requests are not all numbers of `t`'s length, or holds a negative or
    infinite one, is marked not `usable` (its row is filled in with ones).
    """
    import numpy  # noqa: PLC0415 - loaded with the screen

    width = len(t)
    sized = [len(row) == width for row in requests]
    rows = [row if fits else (1.0,) * width for row, fits in zip(requests, sized, strict=True)]
    served = table_of(rows, width)
    if served is not None and not _finite(served):  # a None: no requests that minute
        served = table_of([[0.0 if n is None else n for n in row] for row in rows], width)
    if served is None:
        return None
    usable: Flags = numpy.asarray(
        (served >= 0).all(axis=1) & numpy.isfinite(served).all(axis=1) & numpy.array(sized)
    )
    served[~usable] = 1.0  # those services are left to the full reading
    before = slice(bisect.bisect_left(t, baseline.start), bisect.bisect_right(t, baseline.end))
    during = slice(bisect.bisect_left(t, incident.start), bisect.bisect_right(t, incident.end))
    minutes_before = (served[:, before] != 0).sum(axis=1)
    minutes_during = (served[:, during] != 0).sum(axis=1)
    widths = (before.stop - before.start, during.stop - during.start)
    gaps = bool((minutes_before < widths[0]).any() or (minutes_during < widths[1]).any())
    readable = [bool(flag) for flag in usable]
    return _Group(
        served=served,
        before=before,
        during=during,
        minutes_before=minutes_before,
        minutes_during=minutes_during,
        gaps=gaps,
        usable=readable,
    )


def _finite(table: Floats) -> bool:
    import numpy  # noqa: PLC0415 - loaded with the screen

    return bool(numpy.isfinite(table).all())


def _screen(
    counts: Sequence[Sequence[float | None]],
    owners: Sequence[int],
    rises: Sequence[bool],
    group: _Group,
    cutoff: float,
) -> list[bool] | None:
    """Per series: whether it could change; None when the counts cannot be read as numbers."""
    import numpy  # noqa: PLC0415 - loaded with the screen

    table = table_of(counts, group.served.shape[1])
    if table is None:
        return None
    who = numpy.asarray(owners, dtype=numpy.int64)
    requests_before = group.served[who, group.before]
    requests_during = group.served[who, group.during]
    counts_before, counts_during = table[:, group.before], table[:, group.during]
    if group.gaps:  # minutes not served say nothing: their counts are left out
        counts_before = numpy.where(requests_before != 0, counts_before, 0.0)
        counts_during = numpy.where(requests_during != 0, counts_during, 0.0)
    # A gap (NaN), an infinite or a negative count anywhere in the row: the full reading's.
    unread = ~numpy.isfinite(table.sum(axis=1)) | ~(table.min(axis=1, initial=0.0) >= 0)
    seen = counts_during.sum(axis=1)
    minutes_before = group.minutes_before[who]
    minutes_during = group.minutes_during[who]
    with numpy.errstate(all="ignore"):  # NaN rows are kept whatever the arithmetic gives
        rates = counts_before / requests_before
        if group.gaps:
            rates = numpy.where(requests_before != 0, rates, numpy.inf)  # sorted last
        usual = _usual(counts_before, requests_before, rates, minutes_before)
        counts_before = numpy.where(usual.minutes, counts_before, 0.0)
        requests_before = numpy.where(usual.minutes, requests_before, 0.0)
        minutes_before = usual.minutes.sum(axis=1)
        logged = counts_before.sum(axis=1)
        served = requests_before.sum(axis=1)
        rate = (logged + PRIOR_LINES) / served
        expected = rate * requests_during.sum(axis=1)
        maybe = _may_reach(seen, expected, cutoff, SLACK)
        maybe &= (minutes_before > 0) & (minutes_during > 0)
    verdict = unread | usual.unsure
    rows = numpy.flatnonzero(maybe & ~verdict)
    if rows.size:
        verdict[rows] = _side_may_change(
            rows,
            _Side(
                counts_before=counts_before,
                requests_before=requests_before,
                kept=usual.minutes,
                counts_during=counts_during,
                requests_during=requests_during,
            ),
            _Pooled(
                rate=rate,
                logged=logged,
                served=served,
                seen=seen,
                expected=expected,
                minutes_before=minutes_before,
                minutes_during=minutes_during,
            ),
            numpy.asarray(rises, dtype=numpy.bool_),
            cutoff,
        )
    verdicts: list[bool] = verdict.tolist()
    return verdicts


@dataclass(frozen=True, slots=True)
class _Side:
    """The per-minute arrays of a chunk of series."""

    counts_before: Floats
    requests_before: Floats
    kept: Flags
    counts_during: Floats
    requests_during: Floats


@dataclass(frozen=True, slots=True)
class _Pooled:
    """The per-series sums of a chunk of series."""

    rate: Floats
    logged: Floats
    served: Floats
    seen: Floats
    expected: Floats
    minutes_before: Counts
    minutes_during: Counts


def _side_may_change(
    rows: Counts, side: _Side, pooled: _Pooled, rises: Flags, cutoff: float
) -> Flags:
    """For `rows` past the first check: whether a side could pass `logs._side`'s checks.

    The over-dispersion of the kept minutes, the count's reach after it, and the minutes
    of the incident on the side of the change.
    """
    import numpy  # noqa: PLC0415 - loaded with the screen

    rate = pooled.rate[rows]
    seen, expected = pooled.seen[rows], pooled.expected[rows]
    minutes_before = pooled.minutes_before[rows]
    with numpy.errstate(all="ignore"):  # minutes not kept are masked out
        usual = rate[:, None] * side.requests_before[rows]
        kept = side.kept[rows]
        counted = kept & (usual > 0)  # as `counts._dispersion`: nothing expected, nothing said
        squares = numpy.where(counted, (side.counts_before[rows] - usual) ** 2 / usual, 0.0)
        scale = numpy.maximum(1, minutes_before - 1).astype(numpy.float64)
        dispersion = numpy.maximum(1.0, squares.sum(axis=1) / scale)
        # The sum of squares may be rounded apart from the full reading's by about this.
        size = pooled.logged[rows] + rate * pooled.served[rows] + 1
        unsure = SLACK + ROUNDING * (kept.sum(axis=1) + 1) * size / scale
        reach = _may_reach(seen / dispersion, expected / dispersion, cutoff, unsure)
        during_usual = rate[:, None] * side.requests_during[rows]
        counts_during = side.counts_during[rows]
        served_during = side.requests_during[rows] != 0
        above = (served_during & (counts_during > during_usual * (1 - SLACK))).sum(axis=1)
        below = (served_during & (counts_during < during_usual * (1 + SLACK))).sum(axis=1)
    held_at = numpy.minimum(PERSISTENCE, pooled.minutes_during[rows])
    rose = (seen >= expected * (1 - SLACK)) & (above >= held_at)
    fell = ~rises[rows] & (seen <= expected * (1 + SLACK)) & (below >= held_at)
    passes: Flags = reach & (rose | fell)
    return passes


def _usual(counts: Floats, requests: Floats, rates: Floats, minutes: Counts) -> _Usual:
    """The baseline minutes `counts.usual_minutes` keeps, and the series too close to tell.

    The first estimate is the pooled rate of the middle minutes by rate (`_kept`); a series
    too short to cut a minute from has only usual minutes. A minute this close to the cut,
    its sums added in another order, leaves its series to the full reading.
    """
    import numpy  # noqa: PLC0415 - loaded with the screen

    served = requests != 0
    middle = _kept(rates, minutes)
    rate = (numpy.einsum("ij,ij->i", counts, middle) + PRIOR_LINES) / numpy.einsum(
        "ij,ij->i", requests, middle
    )
    away = numpy.sqrt(counts + ANSCOMBE)
    usual_root = rate[:, None] * requests
    usual_root += ANSCOMBE
    away -= numpy.sqrt(usual_root, out=usual_root)
    numpy.abs(away, out=away)
    every = bool(served.all())  # most services serve every minute: no mask needed
    spread = _median(away if every else numpy.where(served, away, numpy.inf), minutes)
    bound = (USUAL * numpy.maximum(POISSON_SPREAD, spread * MAD_SCALE))[:, None]
    cut = (TRIMMED * minutes).astype(numpy.int64)[:, None] > 0
    usual = ~(cut & (away > bound))
    close = cut & (away > bound - CLOSE) & (away <= bound + CLOSE)
    if not every:
        usual &= served
        close &= served
    return _Usual(usual, close.any(axis=1) | (~numpy.isfinite(rate) & (minutes > 0)))


def _median(values: Floats, known: Counts) -> Floats:
    """Per row, the median of its first `known` values in order (the rest are infinite)."""
    import numpy  # noqa: PLC0415 - loaded with the screen

    last = numpy.maximum(known - 1, 0)[:, None]
    ordered = numpy.sort(values, axis=1)  # faster than numpy.partition at these widths
    low = numpy.take_along_axis(ordered, last // 2, axis=1)[:, 0]
    high = numpy.take_along_axis(ordered, (last + 1) // 2, axis=1)[:, 0]
    middle: Floats = (low + high) / 2
    return middle


@dataclass(frozen=True, slots=True)
class _Usual:
    minutes: Flags
    """Per series and baseline minute: whether it is a usual minute."""
    unsure: Flags
    """Per series: whether a minute was too close to the cut to tell."""


def _kept(rates: Floats, minutes: Counts) -> Flags:
    """The minutes kept after `TRIMMED` of each end of rate, ties cut in time order.

    As a stable sort by rate keeps them: all strictly between the lowest and highest kept
    rate, and of the minutes at those rates, the ones whose place in that order is kept.
    `rates` is infinite where nothing was served, so those minutes sort last.
    """
    import numpy  # noqa: PLC0415 - loaded with the screen

    drop = (TRIMMED * minutes).astype(numpy.int64)
    last = numpy.maximum(minutes - drop - 1, 0)
    ordered = numpy.sort(rates, axis=1)
    width = ordered.shape[1]
    low = numpy.take_along_axis(ordered, drop[:, None], axis=1)
    high = numpy.take_along_axis(ordered, last[:, None], axis=1)
    kept = (rates >= low) & (rates <= high)
    if not minutes.all():
        kept &= (minutes > 0)[:, None]
    # Sorted, a cut's rate is shared exactly when a neighbour of its place holds it too.
    tied = numpy.zeros(len(minutes), dtype=numpy.bool_)
    for place, cut in ((drop, low), (last, high)):
        for step in (-1, 1):
            near = numpy.clip(place + step, 0, width - 1)
            tied |= (near != place) & (
                numpy.take_along_axis(ordered, near[:, None], axis=1)[:, 0] == cut[:, 0]
            )
    rows = numpy.flatnonzero(tied & (minutes > 0))
    if rows.size:  # only where several minutes share a cut's rate does their order matter
        kept[rows] = _places_kept(rates[rows], low[rows], high[rows], drop[rows], last[rows])
    return kept


def _places_kept(rates: Floats, low: Floats, high: Floats, drop: Counts, last: Counts) -> Flags:
    """`_kept` for rows with ties at a cut: a tied minute's place counts the ties before it."""
    import numpy  # noqa: PLC0415 - loaded with the screen

    kept = (rates > low) & (rates < high)
    for cut in (low, high):
        tied = rates == cut
        place = (rates < cut).sum(axis=1, keepdims=True) + numpy.cumsum(tied, axis=1) - 1
        kept |= tied & (place >= drop[:, None]) & (place <= last[:, None])
    return kept


def _may_reach(seen: Floats, expected: Floats, cutoff: float, unsure: Floats | float) -> Flags:
    """`topology.rca.counts._may_reach` for arrays, erring on the side of reaching.

    `unsure` is the relative error either value may carry.
    """
    import numpy  # noqa: PLC0415 - loaded with the screen

    slack = unsure * (1 + seen + expected) * (1 + math.sqrt(2 * cutoff))
    few = (expected < 1 + slack) & (seen >= 2 - slack)
    far = (
        numpy.abs(seen - expected)
        >= math.sqrt(2 * cutoff) * numpy.sqrt(numpy.maximum(expected, 0.0)) - slack
    )
    return few | ((expected >= 1 - slack) & far)
