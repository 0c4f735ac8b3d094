"""The warning pass on a real store (SQLite and Postgres): read, decide, keep, post once."""

from __future__ import annotations

from bot.adapters.store import Store
from bot.adapters.store.early_warnings import WarningLog
from bot.adapters.store.slices import SliceReader
from bot.usecases.early_warnings import Reach, read_readings, warn_once
from topology.stats import EdgeStats
from topology.warnings.track import KeptWarning

NOW = 1_800_000_000 - 1_800_000_000 % 3600
DAY = 86_400


def edge(parent: str, child: str, latency: float, calls: int = 50, errors: int = 0) -> EdgeStats:
    stats = EdgeStats(parent, child, calls=calls, errors=errors)
    for _ in range(5):
        stats.latency.add(latency)
    return stats


def fill(store: Store, *, ramp_ms_per_min: float) -> None:
    """An hour of `web->cart` and `web->search` now and on three earlier days; cart ramps now."""
    for day in range(4):
        for minute in range(60):
            start = NOW - day * DAY - 3600 + minute * 60
            cart = 40 + (ramp_ms_per_min * minute if day == 0 else 0)
            batch = [edge("web", "cart", cart), edge("web", "search", 30)]
            store.ingest_edges(batch, minute_s=start, source="test", now_s=start)


class Recorder:
    def __init__(self, *, fail: bool = False) -> None:
        self.posted: list[KeptWarning] = []
        self.pictures: list[object] = []
        self.fail = fail

    def post(self, warning: KeptWarning, picture: object) -> bool:
        if self.fail:
            raise RuntimeError("slack is down")
        self.posted.append(warning)
        self.pictures.append(picture)
        return True


def test_every_edge_is_read_with_its_slices_and_the_same_hour_of_earlier_days(engine):
    store = Store(engine)
    fill(store, ramp_ms_per_min=0)
    readings = {
        (r.subject, r.metric): r for r in read_readings(SliceReader(engine), NOW, Reach(days=3))
    }
    assert set(readings) == {
        (subject, metric)
        for subject in ("web->cart", "web->search")
        for metric in ("latency_ms", "error_pct")
    }
    cart = readings["web->cart", "latency_ms"]
    assert len(cart.values) == 12
    assert cart.values == (40.0,) * 12
    assert cart.history == (40.0, 40.0, 40.0)


def test_a_ramp_is_posted_once_and_kept_and_a_steady_edge_is_not(engine):
    store, log, heads_up = Store(engine), WarningLog(engine), Recorder()
    fill(store, ramp_ms_per_min=1.0)
    report = warn_once(
        SliceReader(engine), log, heads_up, now=NOW, reach=Reach(days=3), picture=str.upper
    )
    assert [w.key for w in heads_up.posted] == [("web->cart", "latency_ms")]
    assert heads_up.pictures == ["WEB->CART"]
    assert report.posted == 1
    again = warn_once(SliceReader(engine), log, heads_up, now=NOW + 60, reach=Reach(days=3))
    assert (again.posted, len(heads_up.posted)) == (0, 1)
    (kept,) = log.kept().values()
    assert (kept.posted_at, kept.seen_at) == (NOW, NOW + 60)


def test_a_failed_post_is_kept_unposted_and_posted_at_the_next_pass(engine):
    store, log = Store(engine), WarningLog(engine)
    fill(store, ramp_ms_per_min=1.0)
    failed = warn_once(SliceReader(engine), log, Recorder(fail=True), now=NOW, reach=Reach(days=3))
    assert (failed.failed, failed.posted) == (1, 0)
    assert next(iter(log.kept().values())).posted_at is None
    later = Recorder()
    warn_once(SliceReader(engine), log, later, now=NOW + 60, reach=Reach(days=3))
    assert len(later.posted) == 1


def test_an_empty_store_finds_nothing(engine):
    report = warn_once(SliceReader(engine), WarningLog(engine), Recorder(), now=NOW)
    assert (report.readings, report.open, report.posted) == (0, 0, 0)
