"""Early warnings kept in the store, on SQLite and Postgres: written, read back, muted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from bot.adapters.store import make_engine, upgrade
from bot.adapters.store.early_warnings import WarningLog
from topology.warnings.model import Finding
from topology.warnings.track import track

T = 1_800_000_000


@pytest.fixture
def log(database_url: str) -> Iterator[WarningLog]:
    engine: Engine = make_engine(database_url)
    upgrade(engine)
    yield WarningLog(engine)
    engine.dispose()


def finding(subject: str = "cart", level: float = 60.0) -> Finding:
    return Finding(subject, "latency_ms", "trend", level, 40.0, 80.0, 900)


def test_a_pass_is_written_and_read_back_whole(log):
    done = track({}, [finding(), finding("web->cart")], T)
    log.write(done.writes)
    assert log.kept() == {w.key: w for w in done.writes}


def test_a_later_pass_overwrites_and_a_post_and_a_mute_are_kept(log):
    log.write(track({}, [finding()], T).writes)
    log.posted(("cart", "latency_ms"), T + 1)
    assert log.mute(("cart", "latency_ms"), T + 86_400)
    log.write(track(log.kept(), [finding(level=75.0)], T + 300).writes)
    (warning,) = log.kept().values()
    assert (warning.finding.level, warning.posted_at, warning.muted_until) == (
        75.0,
        T + 1,
        T + 86_400,
    )


def test_muting_a_warning_never_kept_says_so(log):
    assert not log.mute(("nobody", "latency_ms"), T)
    assert log.kept() == {}


def test_an_untrusted_subject_is_stored_as_given(log):
    name = "a'; DROP TABLE early_warnings; --<b>*bold*</b>" + "x" * 300
    log.write(track({}, [finding(name)], T).writes)
    assert list(log.kept()) == [(name, "latency_ms")]
