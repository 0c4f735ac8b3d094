"""The store's side of the caps on new names, on SQLite and Postgres."""

from __future__ import annotations

from collections import Counter

from bot.adapters.store import name_caps
from tests.integration.store.conftest import T0, make_call
from topology.cardinality import EDGES, RATE, Admission, Drops, NameGate, NameLimits
from topology.retention import DAY, HOUR, Retention


def test_names_and_edges_are_known_once_stored_in_any_tier(store, engine):
    store.ingest([make_call("a", "b", "k1")], [], now_s=T0, source="test", spans=1)
    store.compact(now_s=T0 + 3 * DAY, retention=Retention(DAY, 30 * DAY, 400 * DAY))
    assert store.edges(T0 - HOUR, T0 + HOUR)  # rolled into hours, still there

    with engine.connect() as connection:
        names = name_caps.known_names(connection, ["a", "b", "c", "a" * 200])
        edges = name_caps.known_edges(connection, [("a", "b"), ("b", "a"), ("a", "c")])

    assert (names, edges) == ({"a", "b"}, {("a", "b")})


def test_many_names_and_edges_are_looked_up_in_chunks(store, engine):
    store.ingest([make_call("a", "b", "k1")], [], now_s=T0, source="test", spans=1)
    wanted = [f"n{i}" for i in range(12_000)] + ["b"]
    pairs = [(f"n{i}", "b") for i in range(5_000)] + [("a", "b")]

    with engine.connect() as connection:
        assert name_caps.known_names(connection, wanted) == {"b"}
        assert name_caps.known_edges(connection, pairs) == {("a", "b")}


def test_refusals_add_up_per_source_and_reason_with_the_latest_time(store, engine):
    with engine.begin() as connection:
        name_caps.add_drops(
            connection, "otlp", Drops(Counter({RATE: 2}), Counter({RATE: 5})), now_s=T0
        )
        name_caps.add_drops(
            connection,
            "otlp",
            Drops(Counter({RATE: 1, EDGES: 1}), Counter({RATE: 1})),
            now_s=T0 + 60,
        )

    assert [item.to_dict() for item in store.refused_names()] == [
        {"source": "otlp", "reason": EDGES, "names": 1, "calls": 0, "last_at": T0 + 60},
        {"source": "otlp", "reason": RATE, "names": 3, "calls": 6, "last_at": T0 + 60},
    ]


def test_an_ingest_under_the_caps_stores_what_they_let_in_and_counts_the_rest(store):
    gate = NameGate(NameLimits(new_per_minute=2, edges=1))
    admit = Admission(gate, "otlp")
    calls = [make_call("a", "b", "k1"), make_call("a", "c", "k2"), make_call("b", "a", "k3")]

    result = store.ingest(calls, [], now_s=T0, source="otlp", spans=3, admit=admit)

    assert (result.calls_new, result.dropped.items) == (1, Counter({RATE: 1, EDGES: 1}))
    assert sorted((e.parent, e.child) for e in store.edges()) == [("a", "b")]
    again = store.ingest(calls, [], now_s=T0 + 60, source="otlp", spans=3, admit=admit)
    assert again.calls_new == 0  # c is let in a minute on, its edge is past the window's
    assert {(r.reason, r.names, r.items) for r in store.refused_names()} == {
        (RATE, 1, 1),
        (EDGES, 3, 3),
    }
    assert "c" not in {node.name for node in store.nodes()}
