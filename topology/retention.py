"""How long each tier of buckets is kept, and where a compaction at a given time cuts.

Buckets live in three tiers: minutes, hours and days. A compaction moves the minutes of
every hour that ended more than `minutes_s` ago into that hour's bucket, the hours of
every day that ended more than `hours_s` ago into that day's, and drops the days that
ended more than `days_s` ago. A bucket is in exactly one tier at a time, so a sum over
all three never counts a call twice. Days are UTC days. Log and metric minutes are not
rolled up: a compaction deletes them with the minutes (`bot.adapters.store.compaction`).
"""

from __future__ import annotations

from dataclasses import dataclass

HOUR = 3_600
DAY = 86_400


@dataclass(frozen=True, slots=True)
class Retention:
    """How long, in seconds, minute, hour and day buckets are kept once their period ended.

    Each tier is expected to be kept at least as long as the finer one before it.
    """

    minutes_s: int
    hours_s: int
    days_s: int


@dataclass(frozen=True, slots=True)
class Cuts:
    """Bucket starts before which a compaction moves or drops a tier's buckets."""

    minutes_before: int
    """Minutes starting earlier move into their hour."""
    hours_before: int
    """Hours starting earlier move into their day."""
    days_before: int
    """Days starting earlier are dropped."""
    ahead_from: int | None = None
    """Buckets of any tier starting here or later are dropped: stamped ahead of any clock."""


def floor_to(t: int, step: int) -> int:
    """The start of the `step`-long bucket holding epoch second `t`."""
    return t - t % step


def cuts(now_s: int, retention: Retention, *, ahead_s: int | None = None) -> Cuts:
    """Where a compaction at `now_s` cuts: only whole hours and whole days move or go.

    With `ahead_s`, buckets starting more than `ahead_s` after `now_s` go too: no record is
    stored that far ahead, but a store written before that rule may hold some, out of
    retention's reach.
    """
    return Cuts(
        minutes_before=floor_to(now_s - retention.minutes_s, HOUR),
        hours_before=floor_to(now_s - retention.hours_s, DAY),
        days_before=floor_to(now_s - retention.days_s, DAY),
        ahead_from=None if ahead_s is None else now_s + ahead_s + 1,
    )
