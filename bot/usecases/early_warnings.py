"""Early warnings: read every service's and edge's recent series, decide, keep, and post.

A pass reads the last `recent_s` seconds in slices of `slice_s`, the last `minutes_s`
of them minute by minute, and the same hours of each of the `days` previous days, as sums
per service and per edge in one query each (`SliceReader`); `topology.warnings` decides.
Under the `warnings` lease one replica runs it at a time. The posting is the `HeadsUp`
port's (the Slack app's, when configured).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.adapters.store.ports import Lease, SlicedSums, WarningKeep
from bot.adapters.store.slices import Sums
from topology.picture import Picture
from topology.retention import DAY
from topology.warnings.assess import Reading, Rules, assess_all
from topology.warnings.model import Finding, Metric
from topology.warnings.track import KeptWarning, Key, track

log = logging.getLogger(__name__)

METRICS: tuple[Metric, ...] = ("latency_ms", "error_pct")
"""The series of each service and edge a pass reads."""
LEASE = "warnings"
MINUTE = 60
"""Name of the lease that keeps the warning pass on one replica at a time."""


@dataclass(frozen=True, slots=True)
class Reach:
    """How much of the past a pass reads, and what a slice must hold to count."""

    recent_s: int = 3600
    slice_s: int = 300
    minutes_s: int = 900
    """The latest slices, also read minute by minute: a fast ramp shows in minutes first."""
    days: int = 7
    min_requests: int = 50
    """Requests (or calls) a slice needs for its error share to count."""
    min_timed: int = 10
    """Timed requests (or calls) a slice needs for its latency to count."""


class HeadsUp(Protocol):
    """Posts a heads-up about a warning to its owners (never a page)."""

    def post(self, warning: KeptWarning, picture: Picture | None) -> bool:
        """Post `warning` (with `picture`); whether it went out (False: nobody to tell)."""
        ...


@dataclass(frozen=True, slots=True)
class PassReport:
    """What one pass did: series read, warnings open, heads-ups posted and failed."""

    readings: int
    open: int
    posted: int
    failed: int


def read_readings(slices: SlicedSums, now: int, reach: Reach = Reach()) -> list[Reading]:
    """Every service's and edge's latency and error share over the recent slices, by name."""
    first = now - reach.recent_s
    starts = tuple(range(first, now, reach.slice_s))
    recent = slices.read(first, now, reach.slice_s)
    minute_starts = tuple(range(now - reach.minutes_s, now, MINUTE))
    by_minute = slices.read(now - reach.minutes_s, now, MINUTE)
    history = [
        slices.read(first - day * DAY, now - day * DAY, reach.recent_s)
        for day in range(1, reach.days + 1)
    ]
    times = tuple(map(float, starts))
    readings: list[Reading] = []
    for name in sorted(recent):
        by_slice = recent[name]
        past = [sums for part in history for sums in part.get(name, {}).values()]
        for metric in METRICS:
            values = tuple(_value(by_slice.get(start), metric, reach) for start in starts)
            usual = tuple(v for sums in past if (v := _value(sums, metric, reach)) is not None)
            minutes = by_minute.get(name, {})
            readings.append(
                Reading(
                    subject=name,
                    metric=metric,
                    times=times,
                    values=values,
                    history=usual,
                    minutes=tuple(_value(minutes.get(at), metric, reach) for at in minute_starts),
                )
            )
    return readings


def findings_of(readings: Iterable[Reading], now: int, rules: Rules) -> Iterator[Finding]:
    """The findings of `readings` at `now`, judged together as one pass."""
    for found in assess_all(readings, now, rules):
        if found is not None:
            yield found


def warn_once(
    slices: SlicedSums,
    warnings: WarningKeep,
    heads_up: HeadsUp | None,
    *,
    now: int,
    rules: Rules = Rules(),  # noqa: B008 - frozen, shared safely
    reach: Reach = Reach(),
    picture: Callable[[str], Picture | None] | None = None,
) -> PassReport:
    """One pass at `now`: read, decide, keep, then post each new warning once.

    `picture` draws the map around a warning's subject for its post.
    """
    readings = read_readings(slices, now, reach)
    done = track(warnings.kept(), findings_of(readings, now, rules), now)
    warnings.write(done.writes)
    by_key: Mapping[Key, KeptWarning] = {warning.key: warning for warning in done.writes}
    posted = failed = 0
    for key in done.post:
        if heads_up is None:
            break
        try:
            drawn = None if picture is None else picture(key[0])
            went = heads_up.post(by_key[key], drawn)
        except Exception as error:  # noqa: BLE001 - the next pass posts it again
            log.warning("heads-up about %s (%s) not posted: %s", key[0], key[1], error)
            failed += 1
            continue
        warnings.posted(key, now)
        posted += went
    opened = sum(1 for warning in done.writes if warning.open)
    return PassReport(len(readings), opened, posted, failed)


def _value(sums: Sums | None, metric: Metric, reach: Reach) -> float | None:
    if sums is None:
        return None
    requests, errors, latency_sum, latency_count = sums
    if metric == "latency_ms":
        return latency_sum / latency_count if latency_count >= reach.min_timed else None
    if requests < reach.min_requests:
        return None
    return 100.0 * min(errors, requests) / requests


@dataclass(frozen=True, slots=True)
class WarningSchedule:
    """What the settings say of the pass: how often it runs, how far ahead, how many days back."""

    interval_s: int
    horizon_s: int
    days: int


@dataclass(frozen=True, slots=True)
class WarningDesk:
    """What a pass under the lease uses: the lease, the sums, the warnings kept, the posting.

    `picture` draws the map around a subject at a time, for a heads-up's post.
    """

    lease: Lease
    slices: SlicedSums
    warnings: WarningKeep
    heads_up: HeadsUp | None
    schedule: WarningSchedule
    picture: Callable[[str, int], Picture | None] | None = None


def warn_under_lease(desk: WarningDesk, *, holder: str, now_s: int) -> PassReport | None:
    """One pass at `now_s`, if this process takes the `warnings` lease; else None."""
    schedule = desk.schedule
    ttl = 2 * schedule.interval_s
    if not desk.lease.try_lease(LEASE, holder, now_s, ttl):
        return None
    draw = desk.picture
    try:
        return warn_once(
            desk.slices,
            desk.warnings,
            desk.heads_up,
            now=now_s,
            rules=Rules(horizon_s=schedule.horizon_s),
            reach=Reach(days=schedule.days),
            picture=None if draw is None else lambda subject: draw(subject, now_s),
        )
    finally:
        desk.lease.release_lease(LEASE, holder)
