"""Compaction as a use case: the store port is asked once, with the retention and the cuts.

What a compaction does to the rows is the store's, held by `tests/integration/store`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.adapters.store.compaction import Compaction, Moved
from bot.adapters.store.ports import Compacting
from bot.usecases.compacting import compact_once, compaction_to_dict
from topology.retention import Retention, cuts
from topology.time_window import IMPORT_AHEAD_S

NOW_S = 1_700_003_600
RETENTION = Retention(minutes_s=7_200, hours_s=86_400, days_s=30 * 86_400)


@dataclass
class FakeStore:
    """Answers a compaction from the cuts it was asked for; notes each call."""

    asked: list[tuple[int, Retention, int | None]] = field(default_factory=list)

    def compact(
        self, *, now_s: int, retention: Retention, ahead_s: int | None = None
    ) -> Compaction:
        self.asked.append((now_s, retention, ahead_s))
        return Compaction(
            cuts=cuts(now_s, retention, ahead_s=ahead_s),
            minutes=Moved(rows=12, into=2),
            hours=Moved(rows=3, into=1),
            days_deleted=4,
            ahead_deleted=1,
        )


def test_compaction_asks_the_store_at_the_time_given_and_drops_what_is_far_ahead() -> None:
    store = FakeStore()
    port: Compacting = store

    done = compact_once(port, RETENTION, now_s=NOW_S)

    assert store.asked == [(NOW_S, RETENTION, IMPORT_AHEAD_S)]
    assert done.cuts == cuts(NOW_S, RETENTION, ahead_s=IMPORT_AHEAD_S)


def test_what_a_compaction_did_reads_as_plain_data() -> None:
    done = compact_once(FakeStore(), RETENTION, now_s=NOW_S)

    shown = compaction_to_dict(done)

    assert shown["minutes"] == {
        "before": done.cuts.minutes_before,
        "rolled": 12,
        "into_hours": 2,
        "deleted": 12,
    }
    assert shown["hours"]["into_days"] == 1
    assert shown["days"]["deleted"] == 4
    assert shown["ahead"] == {"from": NOW_S + IMPORT_AHEAD_S + 1, "deleted": 1}  # more than a day
