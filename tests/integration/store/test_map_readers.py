"""Both store readers, the SQLAlchemy store and the stdlib SQLite reader, answer alike.

The same store, with minutes and hours compacted from older minutes, is read through each
`MapStore`; every window gives the same edges, services, nodes and bucket range. The
incident list, its answers and the sources' progress read alike too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.adapters.store import Store, make_engine, reads, repository, sqlite_reader, upgrade
from bot.adapters.store.incidents import IncidentLog
from bot.adapters.store.ports import MapStore
from bot.adapters.store.rows import edge_counts, edge_stats, service_stats
from bot.adapters.store.sources_state import SourceStates
from bot.adapters.store.sqlite_reader import SqliteMapReader, open_reader
from tests.integration.conftest import an_opening
from tests.integration.store.conftest import make_call, make_served
from topology.errors import StoreError
from topology.incidents.feedback import Answer, Verdict
from topology.model import Call, NodeKind, Served
from topology.rca.minute_columns import health_of_minutes, tables_of, timings_of_minutes
from topology.rca.series import served_series, steps, timing_series
from topology.rca.snapshot import Series
from topology.retention import Retention
from topology.signals.model import LogRecord, MetricPoint

HOUR = 3600


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'svcmap.db'}"


def fill(engine: Engine, t0: int) -> None:
    """Two hours of calls into the store behind `engine`, the first hour compacted."""
    upgrade(engine)
    store = Store(engine)
    calls: list[Call] = []
    requests: list[Served] = []
    for minute in range(0, 120, 7):
        at = t0 + minute * 60
        calls += [
            make_call("frontend", "checkout", f"a{minute}", at=at, server_ms=12.5 + minute / 3),
            make_call("checkout", "payment", f"b{minute}", at=at, error=minute % 3 == 0),
            make_call("checkout", "postgres", f"c{minute}", at=at, child_kind=NodeKind.DATABASE),
        ]
        requests += [
            make_served("checkout", f"s{minute}", at=at, ms=20.3 + minute),
            make_served("payment", f"p{minute}", at=at, error=minute % 2 == 0, ms=33.3),
        ]
    store.ingest(calls, requests, now_s=t0 + 2 * HOUR, source="test", spans=len(calls))
    store.compact(now_s=t0 + 2 * HOUR, retention=Retention(HOUR, 30 * 24 * HOUR, 400 * 24 * HOUR))


@pytest.fixture
def filled(sqlite_url: str, t0: int) -> Iterator[Engine]:
    """A SQLite store with two hours of calls, the first hour compacted into an hour bucket."""
    engine = make_engine(sqlite_url)
    fill(engine, t0)
    yield engine
    engine.dispose()


@pytest.fixture
def readers(filled: Engine, sqlite_url: str) -> Iterator[tuple[MapStore, MapStore]]:
    reader = open_reader(sqlite_url)
    assert reader is not None
    yield Store(filled), reader
    reader.close()


def windows(t0: int) -> list[tuple[int | None, int | None]]:
    return [
        (None, None),
        (t0, t0 + HOUR),
        (t0 + 30 * 60, t0 + 90 * 60),
        (t0 + HOUR, t0 + 2 * HOUR),
        (t0 + 5 * HOUR, t0 + 6 * HOUR),
    ]


def test_both_readers_give_the_same_edges_and_services_in_every_window(readers, t0):
    store, reader = readers

    for start, end in windows(t0):
        assert reader.edges(start, end) == store.edges(start, end)
        assert reader.edge_calls(start, end) == store.edge_calls(start, end)
        assert reader.services(start, end) == store.services(start, end)


def test_the_store_read_holds_minutes_and_compacted_hours(filled):
    with filled.connect() as connection:
        tiers = [
            connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()  # noqa: S608 - a table of the schema
            for table in ("edge_buckets", "edge_hours", "service_buckets", "service_hours")
        ]

    assert all(tiers), tiers


def test_both_readers_give_the_same_nodes_range_and_held_buckets(readers, t0):
    store, reader = readers

    assert reader.nodes() == store.nodes()
    assert reader.time_range() == store.time_range()
    for start, end in windows(t0):
        begin, finish = start or 0, end or t0 + 10 * HOUR
        assert reader.holds_buckets(begin, finish) == store.holds_buckets(begin, finish)


WINDOWED = (
    "EDGE_SUMS",
    "EDGE_CALL_SUMS",
    "MINUTE_EDGE_SUMS",
    "MINUTE_EDGE_CALL_SUMS",
    "SERVICE_SUMS",
    "EDGE_BUCKETS",
    "SERVICE_BUCKETS",
    "INCOMING_BUCKETS",
    "SERVICE_MINUTES",
    "EDGE_TIMINGS",
    "EDGE_TIMING_MINUTES",
    "EDGE_MINUTES",
    "BUCKETS_HELD",
    "LOG_LEVELS",
    "LOG_TEMPLATES",
    "METRIC_MEANS",
)
"""The reader's statements of a window of buckets (all but `EARLY_MINUTE_EDGE_SUMS`, which
reads every minute before its end in key order on purpose)."""
BUCKET_TABLES = ("edge_", "service_", "log_", "metric_minutes", "measured", "counted")


@pytest.mark.parametrize("statement", WINDOWED)
@pytest.mark.parametrize("names", [None, '["checkout"]'])
def test_a_window_is_read_through_the_start_index_whatever_history_is_kept(
    filled, sqlite_url, statement, names
):
    # A store keeps two days of minutes by default: a question about an hour must not
    # walk them all. Every read of a bucket table searches a range of its start index.
    window = {"start": 1_000, "end": 2_000, "names": names}
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as connection:
        written = sqlite_reader._written(getattr(sqlite_reader, statement), named=names is not None)
        plan = connection.execute(f"EXPLAIN QUERY PLAN {written}", window).fetchall()
    reads_of_buckets = [
        step
        for *_, step in plan
        if step.startswith(("SEARCH ", "SCAN ")) and step.split()[1].startswith(BUCKET_TABLES)
    ]

    assert reads_of_buckets
    for step in reads_of_buckets:
        assert step.startswith("SEARCH"), step
        assert "start>? AND start<?" in step, step


@pytest.mark.parametrize(
    ("statement", "table", "column"),
    [
        ("SERVICE_MINUTES", "service_buckets", "service"),
        ("SERVICE_BUCKETS", "service_buckets", "service"),
        ("INCOMING_BUCKETS", "edge_buckets", "child"),
        ("LOG_LEVELS", "log_minutes", "service"),
        ("LOG_TEMPLATES", "counted", "service"),
    ],
)
def test_a_read_of_a_few_names_seeks_each_names_window(
    filled, sqlite_url, statement, table, column
):
    # Not the whole window's buckets filtered by name: each name's, found by its index.
    window = {"start": 1_000, "end": 2_000, "names": '["checkout"]'}
    written = sqlite_reader._written(getattr(sqlite_reader, statement), named=True)
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as connection:
        plan = connection.execute(f"EXPLAIN QUERY PLAN {written}", window).fetchall()
    searches = [step for *_, step in plan if step.startswith(f"SEARCH {table} ")]

    assert searches
    assert all(f"({column}=? AND " in step for step in searches), searches
    assert ":names" not in sqlite_reader._written(getattr(sqlite_reader, statement), named=False)


def test_who_calls_whom_is_found_by_seeks_along_the_key_never_walking_the_minutes(
    filled, sqlite_url
):
    # A seek per caller and per edge kept, whatever the minutes kept or in the window.
    window = {"start": 1_000, "end": 2_000}
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as connection:
        plan = connection.execute(
            f"EXPLAIN QUERY PLAN {sqlite_reader.MINUTE_EDGE_PAIRS}", window
        ).fetchall()
    reads = [step for *_, step in plan if " edge_buckets " in f"{step} " or " minute " in step]

    assert len(reads) >= 5
    assert all(step.startswith("SEARCH") for step in reads), reads
    assert any("start>? AND start<?" in step for step in reads), reads


def test_a_store_behind_the_newest_schema_gets_no_reader(sqlite_url):
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num TEXT)")
        connection.execute("INSERT INTO alembic_version VALUES ('0001')")

    assert open_reader(sqlite_url) is None


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:////nowhere/at/all.db",
    ],
)
def test_a_url_that_is_no_sqlite_file_gets_no_reader(url):
    assert open_reader(url) is None


def test_a_file_that_is_not_a_database_gets_no_reader(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"\x00not a database\xff" * 100)

    assert open_reader(f"sqlite:///{path}") is None


def test_the_reader_never_writes_to_the_store(filled, sqlite_url):
    reader = open_reader(sqlite_url)
    assert isinstance(reader, SqliteMapReader)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader._connection.execute("DELETE FROM nodes")
    reader.close()


def test_a_table_gone_after_opening_is_a_store_error(filled, sqlite_url):
    reader = open_reader(sqlite_url)
    assert reader is not None
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as connection:
        connection.execute("DROP TABLE edge_days")

    with pytest.raises(StoreError, match="edge_days"):
        reader.edges()
    reader.close()


def test_the_store_on_either_database_answers_as_the_reader_does(readers, database_url, t0):
    _, reader = readers
    engine = make_engine(database_url)
    try:
        fill(engine, t0)
        store = Store(engine)

        for start, end in windows(t0):
            assert store.edges(start, end) == reader.edges(start, end)
            assert store.services(start, end) == reader.services(start, end)
        assert store.nodes() == reader.nodes()
        assert store.time_range() == reader.time_range()
    finally:
        engine.dispose()


def test_the_edges_calls_alone_are_the_edges_calls_errors_and_kinds_on_either_database(
    database_url, t0
):
    engine = make_engine(database_url)
    try:
        fill(engine, t0)
        store = Store(engine)

        for start, end in windows(t0):
            full = store.edges(start, end)
            lean = store.edge_calls(start, end)
            assert [(e.parent, e.child, e.calls, e.errors, e.child_kind) for e in lean] == [
                (e.parent, e.child, e.calls, e.errors, e.child_kind) for e in full
            ]
            assert all(e.latency.count == e.client.count == e.server.count == 0 for e in lean)
            if start is not None and end is not None:
                assert pairs(store.edge_pairs(start, end)) == [
                    (e.parent, e.child, e.child_kind, 0, 0) for e in lean
                ]
        assert any(e.errors for e in store.edge_calls())
    finally:
        engine.dispose()


def opened(log: IncidentLog, key: str, at: int) -> int:
    cause = "payment" if key.endswith("1") else None
    return log.open_manual(an_opening(key, cause=cause, title=f"<{key}>"), now_s=at).id


def test_both_readers_give_the_same_incidents_and_answers(filled, sqlite_url, t0):
    log = IncidentLog(filled)
    ids = [opened(log, f"inc-{n}", t0 + n) for n in range(1, 5)]
    log.record_answers(ids[0], "W1", [Answer("payment", Verdict.YES)], now_s=t0)
    log.record_answers(ids[0], "W2", [Answer("cart", Verdict.NO)], now_s=t0 + 1)
    log.record_answers(ids[2], "W1", [Answer("cart", Verdict.YES)], now_s=t0 + 2)
    log.save_snapshot(ids[1], b"{}", cause="cart")
    log.acknowledge(ids[3], user="W9", now_s=t0 + 9)
    reader = open_reader(sqlite_url)
    assert reader is not None

    for limit in (1, 3, 20):
        assert reader.incidents(limit) == log.incidents(limit)
    assert [i.id for i in reader.incidents(20)] == ids[::-1]
    for asked in ([], ids, ids[2:], [ids[0], ids[0]], [999]):
        assert reader.answers(asked) == log.answers(asked)
    reader.close()


def test_both_readers_give_the_same_source_states(filled, sqlite_url, t0):
    states = SourceStates(filled)
    states.record_success("jaeger", high_water=t0, now_s=t0 + 5, spans=12)
    states.record_error("jaeger", now_s=t0 + 65, message="timed out <after 10 s>")
    states.record_error("tempo", now_s=t0 + 70, message="refused")
    reader = open_reader(sqlite_url)
    assert reader is not None

    assert reader.states().all() == states.all()
    assert set(reader.states().all()) == {"jaeger", "tempo"}
    reader.close()


def fill_signals(store: Store, t0: int) -> None:
    """Logs and metrics of checkout and payment over the two hours `fill` covers."""
    records = []
    points = []
    for minute in range(0, 120, 5):
        at = t0 + minute * 60
        records += [
            LogRecord("checkout", at, "INFO", f"order {n} placed", minute * 10 + n)
            for n in range(minute % 4 + 1)
        ]
        if minute % 3 == 0:
            records.append(LogRecord("payment", at, "ERROR", "card <declined>", 9_000 + minute))
        points.append(MetricPoint("payment", "cpu_seconds", at, 0.25 + minute / 100))
        points.append(MetricPoint("checkout", 'heap "bytes"', at, 1e6 + minute))
    store.ingest_logs(records, cap=200)
    store.ingest_metrics(points, cap=50)


def series_windows(t0: int) -> list[tuple[int, int]]:
    return [(t0, t0 + 2 * HOUR), (t0 + 20 * 60, t0 + 50 * 60), (t0 + 5 * HOUR, t0 + 6 * HOUR)]


NAMED = [None, ["checkout"], ["payment", "postgres"], ["nosuch"], []]
"""Every node, some, and none of those stored."""


def test_both_readers_give_the_same_service_incoming_and_edge_series(readers, t0):
    store, reader = readers
    assert isinstance(reader, SqliteMapReader)
    assert isinstance(store, Store)

    for start, end in windows(t0):
        for names in NAMED:
            assert reader.service_series(start, end, services=names) == store.service_series(
                start, end, services=names
            )
            assert reader.incoming_series(start, end, nodes=names) == store.incoming_series(
                start, end, nodes=names
            )
            assert reader.edge_series(start, end, touching=names) == store.edge_series(
                start, end, touching=names
            )
            begin, finish = start or 0, end or t0 + 10 * HOUR
            assert reader.edge_timings(begin, finish, touching=names) == store.edge_timings(
                begin, finish, touching=names
            )
            for served in ([], ["checkout", "payment"]):
                assert reader.calls_around(
                    begin, finish, touching=names, served=served
                ) == store.calls_around(begin, finish, touching=names, served=served)
    assert reader.incoming_series(t0, t0 + 2 * HOUR)  # postgres serves nothing of its own
    assert reader.edge_timings(t0 + HOUR, t0 + 2 * HOUR)[("checkout", "payment")]
    assert reader.edge_series(t0, t0 + 2 * HOUR, touching=["payment"])


def test_both_readers_give_the_same_log_and_metric_series(filled, sqlite_url, t0):
    store = Store(filled)
    fill_signals(store, t0)
    reader = open_reader(sqlite_url)
    assert reader is not None

    for start, end in series_windows(t0):
        for names in NAMED:
            assert reader.log_series(names, start, end) == store.log_series(names, start, end)
            assert reader.metric_series(names, start, end) == store.metric_series(names, start, end)
    logs = reader.log_series(None, t0, t0 + 2 * HOUR)
    assert set(logs) == {"checkout", "payment"}
    assert "template:card <declined>" in logs["payment"].metrics
    assert reader.metric_series(["payment"], t0, t0 + HOUR)["payment"].metrics["cpu_seconds"]
    reader.close()


def fill_minutes(engine: Engine, t0: int) -> None:
    """Two hours of calls into the store behind `engine`, every bucket a minute."""
    upgrade(engine)
    calls = [
        make_call(parent, child, f"{parent}{minute}", at=t0 + minute * 60, server_ms=1.1 + minute)
        for minute in range(0, 120, 5)
        for parent, child in (("frontend", "checkout"), ("checkout", "payment"), ("a", "a"))
    ]
    calls.append(make_call("checkout", "redis", "r", at=t0, child_kind=NodeKind.DATABASE))
    # An edge first seen after one that sorts after it: a read in time order meets it later.
    calls += [make_call("z", "y", "zy", at=t0), make_call("b", "c", "bc", at=t0 + 60)]
    served = [  # payment's first: a read in time order meets the names out of order
        make_served(name, f"{name}{minute}", at=t0 + (minute + late) * 60, ms=0.1 * minute + 2.3)
        for minute in range(0, 120, 3)
        for name, late in (("payment", 0), ("checkout", 1))
    ]
    Store(engine).ingest(calls, served, now_s=t0 + 2 * HOUR, source="test", spans=len(calls))


@pytest.fixture
def minutes_readers(sqlite_url: str, t0: int) -> Iterator[tuple[Store, SqliteMapReader]]:
    """Both readers of a SQLite store of minutes alone (`fill_minutes`)."""
    engine = make_engine(sqlite_url)
    fill_minutes(engine, t0)
    reader = open_reader(sqlite_url)
    assert reader is not None
    yield Store(engine), reader
    reader.close()
    engine.dispose()


def minute_windows(t0: int) -> list[tuple[int | None, int | None]]:
    return [(None, None), (None, t0 + HOUR), (t0 + 30 * 60, None), (t0, t0 + 90 * 60)]


def test_a_store_of_minutes_alone_sums_them_as_the_union_of_every_tier_does(database_url, t0):
    """On SQLite, read from the minutes alone; the same sums, in the same order, either way."""
    engine = make_engine(database_url)
    try:
        fill_minutes(engine, t0)
        store = Store(engine)

        for start, end in minute_windows(t0):
            with engine.connect() as connection:
                rows = connection.execute(reads.edge_sums(start, end)).all()
            union = [edge_stats(row[0], row[1], row[2], row[3:]) for row in rows]
            assert store.edges(start, end) == union
        kinds = {(e.parent, e.child): e.child_kind for e in store.edges()}
        assert kinds[("checkout", "redis")] is NodeKind.DATABASE
        assert kinds[("a", "a")] is NodeKind.SERVICE
        assert len(store.edges(None, t0 + HOUR)) == 6
        assert len(store.edges(t0 + HOUR, None)) == 3
    finally:
        engine.dispose()


def test_a_store_with_hours_sums_edges_in_one_grouping_as_the_union_joined_to_kinds(filled, t0):
    """On SQLite, the kinds looked up per edge give what joining them after the sums gives."""
    store = Store(filled)

    for start, end in windows(t0):
        with filled.connect() as connection:
            rows = connection.execute(reads.edge_sums(start, end)).all()
            calls = connection.execute(reads.edge_call_sums(start, end)).all()
        assert store.edges(start, end) == [edge_stats(r[0], r[1], r[2], r[3:]) for r in rows]
        assert store.edge_calls(start, end) == [edge_counts(*row) for row in calls]
    kinds = {(e.parent, e.child): e.child_kind for e in store.edges(None, t0 + HOUR)}
    assert kinds == {
        ("frontend", "checkout"): NodeKind.SERVICE,
        ("checkout", "payment"): NodeKind.SERVICE,
        ("checkout", "postgres"): NodeKind.DATABASE,
    }


def grouped(
    engine: Engine,
    query: reads.Query,
    key: Callable[[Any], object],
    point: Callable[[Any], object],
) -> dict[object, list[object]]:
    """The rows of `query`, each turned into a point, listed by key in the order read."""
    found: dict[object, list[object]] = {}
    with engine.connect() as connection:
        for row in connection.execute(query):
            found.setdefault(key(row), []).append(point(row))
    return found


def test_the_series_of_a_store_of_minutes_alone_are_those_of_the_union_of_every_tier(
    database_url, t0
):
    """Read from the minutes alone, unsummed: the same buckets as every tier's summed."""
    engine = make_engine(database_url)
    try:
        fill_minutes(engine, t0)
        store = Store(engine)

        for start, end in minute_windows(t0):
            for names in NAMED:
                union = grouped(
                    engine,
                    reads.service_buckets_in(start, end, names),
                    lambda row: row[0],
                    lambda row: (row[1], service_stats(row[0], row[2:])),
                )
                assert store.service_series(start, end, services=names) == union
                assert list(store.service_series(start, end, services=names)) == list(union)
                begin, finish = start or 0, end or t0 + 10 * HOUR
                summed = grouped(
                    engine,
                    reads.edge_timings_in(begin, finish, names),
                    lambda row: (row[0], row[1]),
                    lambda row: tuple(row[2:]),
                )
                assert store.edge_timings(begin, finish, touching=names) == summed
                assert list(store.edge_timings(begin, finish, touching=names)) == list(summed)
        assert len(store.service_series(t0, t0 + HOUR)["payment"]) == 20
    finally:
        engine.dispose()


@pytest.mark.parametrize("batch", [sqlite_reader.BATCH, 3])
def test_both_readers_give_the_same_series_of_a_store_of_minutes_alone(
    minutes_readers, t0, batch, monkeypatch
):
    monkeypatch.setattr(sqlite_reader, "BATCH", batch)  # rows read a few at a time, too
    store, reader = minutes_readers

    for start, end in minute_windows(t0):
        for names in NAMED:
            assert reader.service_series(start, end, services=names) == store.service_series(
                start, end, services=names
            )
            begin, finish = start or 0, end or t0 + 10 * HOUR
            assert reader.edge_timings(begin, finish, touching=names) == store.edge_timings(
                begin, finish, touching=names
            )
            for served in ([], ["checkout"]):
                assert reader.calls_around(
                    begin, finish, touching=names, served=served
                ) == store.calls_around(begin, finish, touching=names, served=served)
    assert reader.edge_timings(t0, t0 + HOUR, touching=["redis"])[("checkout", "redis")]
    assert reader.calls_around(t0, t0 + HOUR, touching=["redis"], served=[])[1]["redis"]


def test_both_readers_give_the_same_edges_of_a_store_of_minutes_alone(minutes_readers, t0):
    store, reader = minutes_readers

    for start, end in minute_windows(t0):
        assert reader.edges(start, end) == store.edges(start, end)
        assert reader.edge_calls(start, end) == store.edge_calls(start, end)
    assert reader.edges(None, t0 + 30 * 60)


def pairs(edges):
    return [
        (edge.parent, edge.child, edge.child_kind, edge.calls, edge.latency.count) for edge in edges
    ]


def test_who_calls_whom_is_the_edges_with_calls_in_the_window_nothing_summed(minutes_readers, t0):
    """Both readers, on a store of minutes alone: `edge_calls`' edges, nothing summed."""
    store, reader = minutes_readers

    for start, end in [(t0, t0 + 90 * 60), (t0 + 30 * 60, None), (t0 + 61, t0 + 62), (0, 1)]:
        expected = [(e.parent, e.child, e.child_kind, 0, 0) for e in store.edge_calls(start, end)]
        assert pairs(reader.edge_pairs(start, end)) == expected
        assert pairs(store.edge_pairs(start, end)) == expected
    assert pairs(reader.edge_pairs(t0 + 60, t0 + 120)) == [
        ("b", "c", NodeKind.SERVICE, 0, 0)  # its one minute, and only edge in the window
    ]
    assert ("checkout", "redis", NodeKind.DATABASE, 0, 0) in pairs(reader.edge_pairs(t0, t0 + 1))


def test_who_calls_whom_where_an_hour_bucket_starts_is_read_from_the_sums(readers, t0):
    store, reader = readers

    for start, end in windows(t0)[1:]:
        expected = [(e.parent, e.child, e.child_kind, 0, 0) for e in store.edge_calls(start, end)]
        assert pairs(reader.edge_pairs(start, end)) == expected
        assert pairs(store.edge_pairs(start, end)) == expected
    assert reader.edge_pairs(t0, t0 + HOUR)


def around_as_series(
    store: Any, start: int, end: int, names: list[str] | None, served: list[str]
) -> tuple[dict[str, Series], dict[str, Series]]:
    """`calls_around`'s minutes made into series as ranking makes them of objects."""
    timings, incoming = store.calls_around(start, end, touching=names, served=served)
    times = steps(start, end - 1)
    unserved = {name: points for name, points in incoming.items() if name not in served}
    return served_series({}, unserved, times), timing_series(timings, times)


@pytest.mark.parametrize("batch", [repository.BATCH, 3])
def test_the_minutes_read_as_columns_make_the_series_read_as_objects_make(
    database_url, t0, batch, monkeypatch
):
    monkeypatch.setattr(repository, "BATCH", batch)  # rows read a few at a time, too
    monkeypatch.setattr(sqlite_reader, "BATCH", batch)
    monkeypatch.setattr(reads, "NAMES_PER_QUERY", 1)  # an edge between two chunks comes twice
    engine = make_engine(database_url)
    fill_minutes(engine, t0)
    stores: list[Any] = [Store(engine)]
    reader = open_reader(database_url)
    stores += [reader] if reader is not None else []
    try:
        for store in stores:
            for start, end in ((t0 - HOUR, t0 + 3 * HOUR), (t0 + 30 * 60, t0 + 90 * 60)):
                for names in NAMED:
                    for served in ([], ["checkout"]):
                        minutes = store.edge_minutes(start, end, touching=names)
                        assert minutes is not None
                        times = steps(start, end - 1)
                        tables = tables_of(minutes, times, wanted=names, served=served)
                        found = tables.series()
                        expected = around_as_series(store, start, end, names, served)
                        assert found == expected
                        assert [list(part) for part in found] == [list(p) for p in expected]
                    times = steps(start, end - 1)
                    own = store.service_minutes(start, end, services=names)
                    services = store.service_series(start, end, services=names)
                    assert health_of_minutes(own, times) == served_series(services, {}, times)
                    timed = store.edge_minutes(start, end, touching=names, timings=True)
                    timings = store.edge_timings(start, end, touching=names)
                    assert timings_of_minutes(timed, times) == timing_series(timings, times)
        whole = stores[0].edge_minutes(t0 - HOUR, t0 + 3 * HOUR, touching=None)
        assert len(whole.keys) == 6
        minutes = zip(whole.key.tolist(), whole.start.tolist(), strict=True)
        assert len(whole.key) == len(set(minutes))  # each minute of each edge once
    finally:
        if reader is not None:
            reader.close()
        engine.dispose()


def test_a_large_read_left_before_its_end_leaves_the_store_answering(database_url, t0, monkeypatch):
    # On Postgres the rows are streamed: leaving a read early cancels its query, and the
    # connection must go back to the pool fit for the next question.
    monkeypatch.setattr(repository, "BATCH", 2)
    engine = make_engine(database_url)
    fill_minutes(engine, t0)
    store = Store(engine)
    window = (t0 - HOUR, t0 + 3 * HOUR)
    try:
        whole = store.service_minutes(*window, services=None)
        assert whole is not None
        batches = store._plain_batches(reads.service_minutes_in(*window))
        assert len(next(batches)) == 2
        batches.close()

        again = store.service_minutes(*window, services=None)
        assert again is not None
        assert again.keys == whole.keys
        assert again.table.tolist() == whole.table.tolist()
        assert len(whole.key) == 2 * 40  # every minute of both services
    finally:
        engine.dispose()


def test_minutes_are_not_read_as_columns_where_an_hour_bucket_starts(readers, t0):
    store, reader = readers

    for each in (store, reader):
        assert each.edge_minutes(t0 - HOUR, t0 + HOUR, touching=None) is None  # compacted
        assert each.edge_minutes(t0 - HOUR, t0 + HOUR, touching=None, timings=True) is None
        assert each.service_minutes(t0 - HOUR, t0 + HOUR, services=None) is None
        assert each.edge_minutes(t0 + HOUR, t0 + 2 * HOUR, touching=["payment"]) is not None
        assert each.service_minutes(t0 + HOUR, t0 + 2 * HOUR, services=["payment"]) is not None


def test_a_read_as_columns_that_fails_is_a_store_error_naming_the_database(sqlite_url, t0):
    engine = make_engine(sqlite_url)
    fill_minutes(engine, t0)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE edge_buckets")
    try:
        with pytest.raises(StoreError, match=r"svcmap\.db: no such table: edge_buckets"):
            Store(engine).edge_minutes(t0, t0 + HOUR, touching=["checkout"])
    finally:
        engine.dispose()
