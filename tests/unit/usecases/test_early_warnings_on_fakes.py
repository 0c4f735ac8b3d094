"""The early warning pass under its lease, on in-memory sums, warnings and lease.

The use case takes the lease (`Lease`), the sums slice by slice (`SlicedSums`), where the
warnings are kept (`WarningKeep`), the posting (`HeadsUp`), the settings it reads
(`WarningSchedule`) and the time as arguments; here each is held in memory. The store's
side is held by `tests/integration/early_warnings`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.adapters.store.ports import Lease, SlicedSums, WarningKeep
from bot.adapters.store.slices import BySlice
from bot.usecases.early_warnings import (
    LEASE,
    WarningDesk,
    WarningSchedule,
    warn_under_lease,
)
from topology.picture import Picture
from topology.picture.dot import Omitted
from topology.warnings.track import KeptWarning, Key

NOW_S = 1_777_604_400
RECENT_S, SLICE_S = 3_600, 300
SCHEDULE = WarningSchedule(interval_s=60, horizon_s=7_200, days=3)


@dataclass
class FakeLease:
    """One lease, held by `holder` or nobody; what each take asked."""

    holder: str | None = None
    asked: list[tuple[str, str, int, int]] = field(default_factory=list)

    def try_lease(self, name: str, holder: str, now_s: int, ttl_s: int) -> bool:
        self.asked.append((name, holder, now_s, ttl_s))
        if self.holder not in (None, holder):
            return False
        self.holder = holder
        return True

    def release_lease(self, name: str, holder: str) -> None:
        assert name == LEASE
        if self.holder == holder:
            self.holder = None


@dataclass
class FakeSlices:
    """`api` failing half its requests lately, 1% before; each read asked."""

    asked: list[tuple[int, int, int]] = field(default_factory=list)

    def read(self, start_s: int, end_s: int, width_s: int) -> BySlice:
        self.asked.append((start_s, end_s, width_s))
        errors = 500 if end_s > NOW_S - RECENT_S else 10
        return {"api": dict.fromkeys(range(start_s, end_s, width_s), (1000, errors, 20000.0, 1000))}


@dataclass
class FakeKeep:
    """The warnings kept by key, and the posts noted."""

    warnings: dict[Key, KeptWarning] = field(default_factory=dict)
    posts: list[tuple[Key, int]] = field(default_factory=list)

    def kept(self) -> dict[Key, KeptWarning]:
        return dict(self.warnings)

    def write(self, warnings: Iterable[KeptWarning]) -> None:
        for warning in warnings:
            self.warnings[warning.key] = warning

    def posted(self, key: Key, now: int) -> None:
        self.posts.append((key, now))
        self.warnings[key] = _posted(self.warnings[key], now)


def _posted(warning: KeptWarning, now: int) -> KeptWarning:
    return KeptWarning(warning.finding, warning.opened_at, warning.seen_at, now, warning.closed_at)


@dataclass
class FakeHeadsUp:
    """Heads-ups posted, with the picture each carried; fails when told to."""

    fail: bool = False
    sent: list[tuple[Key, Picture | None]] = field(default_factory=list)

    def post(self, warning: KeptWarning, picture: Picture | None) -> bool:
        if self.fail:
            raise ConnectionError("slack is down")
        self.sent.append((warning.key, picture))
        return True


def _picture(subject: str, at: int) -> Picture:
    return Picture(f"digraph {{ {subject} }} // {at}", "dot", Omitted(), 1, 0, (subject,))


def _desk(
    lease: FakeLease, keep: FakeKeep, heads_up: FakeHeadsUp, slices: FakeSlices
) -> WarningDesk:
    return WarningDesk(
        lease=lease,
        slices=slices,
        warnings=keep,
        heads_up=heads_up,
        schedule=SCHEDULE,
        picture=_picture,
    )


def test_the_fakes_are_the_ports_the_pass_takes() -> None:
    lease: Lease = FakeLease()
    slices: SlicedSums = FakeSlices()
    keep: WarningKeep = FakeKeep()
    assert lease.try_lease(LEASE, "me", NOW_S, 1)
    assert slices.read(0, 600, 300)["api"].keys() == {0, 300}
    assert keep.kept() == {}


def test_a_pass_under_the_lease_keeps_the_warning_and_posts_it_once_with_its_picture() -> None:
    lease, keep, heads_up, slices = FakeLease(), FakeKeep(), FakeHeadsUp(), FakeSlices()

    report = warn_under_lease(_desk(lease, keep, heads_up, slices), holder="me", now_s=NOW_S)

    assert report is not None
    assert (report.open, report.posted, report.failed) == (1, 1, 0)
    assert heads_up.sent == [(("api", "error_pct"), _picture("api", NOW_S))]
    assert keep.posts == [(("api", "error_pct"), NOW_S)]
    assert lease.asked == [(LEASE, "me", NOW_S, 2 * SCHEDULE.interval_s)]
    assert lease.holder is None  # given back

    again = warn_under_lease(_desk(lease, keep, heads_up, slices), holder="me", now_s=NOW_S + 60)

    assert again is not None
    assert (again.open, again.posted) == (1, 0)
    assert len(heads_up.sent) == 1


def test_a_pass_reads_the_recent_slices_their_minutes_and_the_days_the_schedule_asks() -> None:
    lease, keep, heads_up, slices = FakeLease(), FakeKeep(), FakeHeadsUp(), FakeSlices()

    warn_under_lease(_desk(lease, keep, heads_up, slices), holder="me", now_s=NOW_S)

    first = NOW_S - RECENT_S
    assert slices.asked == [
        (first, NOW_S, SLICE_S),
        (NOW_S - 900, NOW_S, 60),
        *((first - d * 86_400, NOW_S - d * 86_400, RECENT_S) for d in (1, 2, 3)),
    ]


def test_another_holding_the_lease_means_no_pass() -> None:
    lease, keep, heads_up, slices = (
        FakeLease(holder="them"),
        FakeKeep(),
        FakeHeadsUp(),
        FakeSlices(),
    )

    report = warn_under_lease(_desk(lease, keep, heads_up, slices), holder="me", now_s=NOW_S)

    assert report is None
    assert slices.asked == []
    assert lease.holder == "them"


def test_a_post_that_fails_is_counted_and_left_for_the_next_pass() -> None:
    lease, keep, slices = FakeLease(), FakeKeep(), FakeSlices()
    failing, working = FakeHeadsUp(fail=True), FakeHeadsUp()

    failed = warn_under_lease(_desk(lease, keep, failing, slices), holder="me", now_s=NOW_S)
    later = warn_under_lease(_desk(lease, keep, working, slices), holder="me", now_s=NOW_S + 60)

    assert failed is not None
    assert (failed.posted, failed.failed) == (0, 1)
    assert later is not None
    assert later.posted == 1
    assert keep.posts == [(("api", "error_pct"), NOW_S + 60)]
    assert lease.holder is None
