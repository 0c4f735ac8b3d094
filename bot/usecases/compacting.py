"""Compaction: roll expired buckets into coarser ones and drop what is past all retention."""

from __future__ import annotations

from bot.adapters.store.compaction import Compaction
from bot.adapters.store.ports import Compacting
from topology.retention import Retention
from topology.time_window import IMPORT_AHEAD_S


def compact_once(store: Compacting, retention: Retention, *, now_s: int) -> Compaction:
    """Compact `store` at `now_s`, keeping what `retention` says.

    Buckets starting more than a day ahead are dropped: no record is stored that far ahead
    (`topology.time_window`), but a store written before that rule may hold some.
    """
    return store.compact(now_s=now_s, retention=retention, ahead_s=IMPORT_AHEAD_S)


def compaction_to_dict(done: Compaction) -> dict[str, dict[str, int]]:
    """What a compaction did, as plain data for JSON output."""
    return {
        "minutes": {
            "before": done.cuts.minutes_before,
            "rolled": done.minutes.rows,
            "into_hours": done.minutes.into,
            "deleted": done.minutes.rows,
        },
        "hours": {
            "before": done.cuts.hours_before,
            "rolled": done.hours.rows,
            "into_days": done.hours.into,
            "deleted": done.hours.rows,
        },
        "days": {"before": done.cuts.days_before, "deleted": done.days_deleted},
        "traces": {"before": done.cuts.minutes_before, "forgotten": done.traces_forgotten},
        "imports": {"before": done.cuts.minutes_before, "deleted": done.imports_deleted},
        "signals": {"before": done.cuts.minutes_before, "deleted": done.signals_deleted},
        "ahead": {"from": done.cuts.ahead_from or 0, "deleted": done.ahead_deleted},
    }
