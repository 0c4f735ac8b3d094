from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import Table, select

from bot.adapters.store.schema import (
    edge_buckets,
    edge_days,
    edge_hours,
    imports,
    seen_traces,
    service_buckets,
    service_days,
    service_hours,
)
from tests.integration.store.compacting import compact
from topology.retention import DAY, HOUR, Retention

DAY0 = 1_699_920_000
"""Midnight UTC, the first day the tests store calls on."""
NOW = DAY0 + 6 * DAY + 5 * HOUR + 17
"""When the tests compact: in the seventh day, past the last call."""
RETENTION = Retention(minutes_s=DAY, hours_s=3 * DAY, days_s=30 * DAY)

TABLES = (edge_buckets, edge_hours, edge_days, service_buckets, service_hours, service_days)


@pytest.fixture
def week(store, call, served):
    """Calls and served requests every 37 minutes over six days, some failing, some slow."""
    calls, requests = [], []
    for n, at in enumerate(range(DAY0 + 11, DAY0 + 6 * DAY, 37 * 60)):
        child = ("cart", "db", "queue")[n % 3]
        calls.append(call("web", child, f"c{n}", at=at, error=n % 5 == 0, server_ms=n % 400))
        calls.append(call("cart", "db", f"d{n}", at=at + 30, client_ms=3 + n % 7))
        requests.append(served("cart", f"s{n}", at=at, error=n % 7 == 0, ms=1 + n % 90))
    store.ingest(calls, requests, now_s=NOW, source="test", spans=len(calls))
    return store


def totals(store, start_s=None, end_s=None):
    edges = {
        (e.parent, e.child): (e.calls, e.errors, e.latency.histogram, e.latency.count, e.client)
        for e in store.edges(start_s, end_s)
    }
    services = {
        s.service: (s.requests, s.errors, s.latency.histogram, round(s.latency.sum_ms, 6))
        for s in store.services(start_s, end_s)
    }
    return edges, services


def rows(engine, table: Table):
    with engine.connect() as connection:
        return sorted(tuple(row) for row in connection.execute(select(table)))


def starts(engine, table: Table):
    with engine.connect() as connection:
        return sorted(set(connection.execute(select(table.c.start)).scalars()))


WINDOWS = [
    (None, None),
    (DAY0, DAY0 + DAY),
    (DAY0 + 2 * DAY, DAY0 + 5 * DAY),
    (DAY0 + 3 * DAY + 7 * HOUR, DAY0 + 6 * DAY),
    (DAY0 + 5 * DAY, None),
]


def test_totals_over_any_window_are_the_same_before_and_after_compaction(week):
    before = [totals(week, *window) for window in WINDOWS]
    week.compact(now_s=NOW, retention=RETENTION)
    assert [totals(week, *window) for window in WINDOWS] == before


def test_minutes_move_into_hours_and_hours_into_days_as_they_expire(week, engine):
    done = week.compact(now_s=NOW, retention=RETENTION)
    minute_cut, hour_cut = DAY0 + 5 * DAY + 5 * HOUR, DAY0 + 3 * DAY
    assert (done.cuts.minutes_before, done.cuts.hours_before) == (minute_cut, hour_cut)
    assert min(starts(engine, edge_buckets)) >= minute_cut
    assert min(starts(engine, service_buckets)) >= minute_cut
    assert starts(engine, edge_hours) == list(range(hour_cut, minute_cut, HOUR))
    assert starts(engine, edge_days) == [DAY0, DAY0 + DAY, DAY0 + 2 * DAY]
    assert starts(engine, service_days) == [DAY0, DAY0 + DAY, DAY0 + 2 * DAY]
    assert done.minutes.rows > done.minutes.into > 0
    assert done.hours.rows > done.hours.into == 3 * 4 + 3  # four edges and one service a day
    assert done.days_deleted == 0


def test_compacting_again_changes_nothing(week, engine):
    week.compact(now_s=NOW, retention=RETENTION)
    before = [rows(engine, table) for table in TABLES]
    again = week.compact(now_s=NOW, retention=RETENTION)
    assert (again.minutes.rows, again.hours.rows, again.days_deleted) == (0, 0, 0)
    assert [rows(engine, table) for table in TABLES] == before


def test_compacting_step_by_step_ends_as_compacting_at_once(week, engine, store):
    everything = totals(week)
    for now in range(DAY0, NOW + 1, 5 * HOUR):
        week.compact(now_s=now, retention=RETENTION)
    week.compact(now_s=NOW, retention=RETENTION)
    assert totals(week) == everything
    assert starts(engine, edge_days) == [DAY0, DAY0 + DAY, DAY0 + 2 * DAY]


def test_days_past_their_retention_are_dropped(week, engine):
    later = NOW + 30 * DAY
    done = week.compact(now_s=later, retention=RETENTION)
    assert done.cuts.days_before == DAY0 + 6 * DAY
    assert done.days_deleted == 6 * 4 + 6
    assert [rows(engine, table) for table in TABLES] == [[]] * len(TABLES)
    assert week.edges() == []
    assert week.time_range() is None


def test_a_call_imported_late_into_a_compacted_hour_is_counted_once(week, call):
    week.compact(now_s=NOW, retention=RETENTION)
    before = totals(week, DAY0, DAY0 + DAY)[0]["web", "cart"][0]
    late = call("web", "cart", "late", at=DAY0 + 10 * HOUR + 5)
    week.ingest([late], [], now_s=NOW, source="test", spans=1)
    assert totals(week, DAY0, DAY0 + DAY)[0]["web", "cart"][0] == before + 1
    week.compact(now_s=NOW, retention=RETENTION)
    assert totals(week, DAY0, DAY0 + DAY)[0]["web", "cart"][0] == before + 1


def test_records_of_traces_and_import_lines_older_than_the_minutes_go_with_them(week, engine, call):
    week.ingest(
        [call("web", "cart", "old", at=DAY0 + 60)], [], now_s=DAY0 + HOUR, source="t", spans=1
    )
    traces_before = len(rows(engine, seen_traces))

    done = week.compact(now_s=NOW, retention=RETENTION)

    cut = done.cuts.minutes_before
    assert min(starts(engine, seen_traces)) >= cut
    assert done.traces_forgotten == traces_before - len(rows(engine, seen_traces)) > 0
    assert done.imports_deleted == 1
    with engine.connect() as connection:
        assert min(connection.execute(select(imports.c.at)).scalars()) >= cut
    again = week.compact(now_s=NOW, retention=RETENTION)
    assert (again.traces_forgotten, again.imports_deleted) == (0, 0)


def test_series_of_a_compacted_window_come_in_hours_and_days(week):
    week.compact(now_s=NOW, retention=RETENTION)
    series = week.service_series(DAY0 + 2 * DAY, DAY0 + 3 * DAY + 2 * HOUR)["cart"]
    assert [start for start, _ in series] == [DAY0 + 2 * DAY, DAY0 + 3 * DAY, DAY0 + 3 * DAY + HOUR]
    day = series[0][1]
    assert day.requests == sum(
        1
        for at in range(DAY0 + 11, DAY0 + 6 * DAY, 37 * 60)
        if DAY0 + 2 * DAY <= at < DAY0 + 3 * DAY
    )


def test_the_store_time_range_covers_every_tier(week):
    before = week.time_range()
    week.compact(now_s=NOW, retention=RETENTION)
    low, high = week.time_range()
    assert (low, high) == (DAY0, before[1])


@pytest.mark.slow
def test_processes_compacting_at_once_on_postgres_move_each_minute_once(database_url, week):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite writers take turns anyway; concurrent compaction is a Postgres matter")
    everything = totals(week)
    spawn = multiprocessing.get_context("spawn")
    count = 4
    start = spawn.Barrier(count)
    results = spawn.Queue()
    workers = [
        spawn.Process(target=compact, args=(database_url, NOW, RETENTION, start, results))
        for _ in range(count)
    ]
    for worker in workers:
        worker.start()
    moved = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert [worker.exitcode for worker in workers] == [0] * count
    assert sorted(moved)[:-1] == [0] * (count - 1)
    assert max(moved) > 0
    assert totals(week) == everything
