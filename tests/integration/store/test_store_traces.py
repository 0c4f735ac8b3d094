"""Imports remember traces: re-imports, late spans and concurrent imports of one trace."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import event, select

from bot.adapters.store import IngestResult
from bot.adapters.store.schema import seen_traces

NOW = 1_800_000_000
"""When the tests import: later than every call they make."""


def key(trace, span, role="c"):
    """A key as linking makes it: trace id, span id, side, role."""
    return f"{trace}\x1f{span}\x1f\x1f{role}"


def ingest(store, calls=(), served_requests=()):
    return store.ingest(list(calls), list(served_requests), now_s=NOW, source="t", spans=0)


def total_calls(store):
    return sum(edge.calls for edge in store.edges())


def remembered(engine):
    with engine.connect() as connection:
        return connection.execute(select(seen_traces.c.key, seen_traces.c.start)).all()


def test_each_trace_is_remembered_once_from_the_minute_of_its_first_call(store, engine, call, t0):
    ingest(
        store,
        [
            call("web", "cart", key("t1", "b"), at=t0 + 130),
            call("web", "cart", key("t1", "a"), at=t0 + 65),
            call("web", "cart", key("t2", "a"), at=t0),
        ],
    )
    assert sorted(start for _, start in remembered(engine)) == [t0, t0 + 60]


def test_late_spans_of_a_known_trace_add_only_their_calls(store, call, served):
    first = [call("web", "cart", key("t1", "a")), call("cart", "db", key("t1", "b"))]
    ingest(store, first, [served("cart", key("t1", "a", "s"))])
    late = [call("cart", "cache", key("t1", "c"))]
    result = ingest(
        store,
        first + late,
        [served("cart", key("t1", "a", "s")), served("cache", key("t1", "c", "s"))],
    )
    assert result == IngestResult(calls_new=1, calls_duplicate=2, served_new=1)
    assert {(edge.parent, edge.child): edge.calls for edge in store.edges()} == {
        ("web", "cart"): 1,
        ("cart", "db"): 1,
        ("cart", "cache"): 1,
    }
    assert ingest(store, first + late).calls_new == 0


def test_part_of_a_known_trace_imported_again_adds_nothing_and_forgets_nothing(store, call):
    whole = [call("web", f"svc{index}", key("t1", f"s{index}")) for index in range(5)]
    ingest(store, whole)
    assert ingest(store, whole[:2]) == IngestResult(calls_new=0, calls_duplicate=2, served_new=0)
    assert ingest(store, whole).calls_new == 0
    assert total_calls(store) == 5


def test_new_and_known_traces_in_one_import_count_only_the_new_calls(store, call):
    ingest(store, [call("web", "cart", key("t1", "a"))])
    result = ingest(
        store,
        [
            call("web", "cart", key("t2", "a")),
            call("web", "cart", key("t1", "a")),
            call("web", "cart", key("t2", "a")),
            call("web", "cart", key("t1", "b")),
        ],
    )
    assert result == IngestResult(calls_new=2, calls_duplicate=2, served_new=0)
    assert total_calls(store) == 3


def test_a_trace_imported_again_unchanged_is_not_rewritten(store, engine, call):
    calls = [call("web", "cart", key(f"t{index}", "a")) for index in range(20)]
    ingest(store, calls)
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        ingest(store, calls)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert not [statement for statement in statements if statement.startswith("UPDATE")]
    assert not [statement for statement in statements if "buckets" in statement]


def test_concurrent_imports_of_parts_of_the_same_traces_count_each_call_once(store, call):
    traces = [
        [call("web", f"svc{span % 3}", key(f"t{trace}", f"s{span}")) for span in range(12)]
        for trace in range(30)
    ]
    # Three imports with two thirds of every trace each, overlapping, and one with all of it.
    batches = [
        [call for calls in traces for call in calls[part::3] + calls[part + 1 :: 3]]
        for part in range(3)
    ]
    batches.append([call for calls in traces for call in calls])
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda batch: ingest(store, batch), batches * 2))
    assert sum(result.calls_new for result in results) == 30 * 12
    assert total_calls(store) == 30 * 12
