from __future__ import annotations

import pytest
from msgspec import structs
from sqlalchemy import select

from bot.adapters.store.schema import nodes as nodes_table
from topology.model import NodeKind
from topology.stats import Node

NOW = 1_800_000_000
"""When the tests import: later than every call they make."""


def ingest(store, calls=(), served_requests=(), *, now_s=NOW):
    store.ingest(list(calls), list(served_requests), now_s=now_s, source="test", spans=0)


@pytest.fixture
def three_minutes(store, call, served, t0):
    ingest(
        store,
        [
            call("web", "cart", "a", at=t0),
            call("web", "cart", "b", at=t0 + 59),
            call("web", "cart", "c", at=t0 + 60, error=True),
            call("web", "cart", "d", at=t0 + 125),
            call("cart", "db", "e", at=t0 + 61),
        ],
        [served("cart", "s1", at=t0), served("cart", "s2", at=t0 + 130)],
    )
    return store


def calls_per_edge(edges):
    return {(edge.parent, edge.child): edge.calls for edge in edges}


def test_a_window_sums_the_buckets_starting_inside_it(three_minutes, t0):
    assert calls_per_edge(three_minutes.edges(t0 + 60, t0 + 120)) == {
        ("web", "cart"): 1,
        ("cart", "db"): 1,
    }
    assert calls_per_edge(three_minutes.edges(t0, t0 + 60)) == {("web", "cart"): 2}


def test_open_ended_windows_reach_the_first_and_last_buckets(three_minutes, t0):
    assert calls_per_edge(three_minutes.edges()) == {("web", "cart"): 4, ("cart", "db"): 1}
    assert calls_per_edge(three_minutes.edges(start_s=t0 + 120)) == {("web", "cart"): 1}
    assert calls_per_edge(three_minutes.edges(end_s=t0 + 60)) == {("web", "cart"): 2}


def test_a_window_with_no_buckets_has_no_edges(three_minutes, t0):
    assert three_minutes.edges(t0 + 3600, t0 + 7200) == []
    assert three_minutes.services(t0 + 3600, t0 + 7200) == []


def test_services_are_summed_over_the_window(three_minutes, t0):
    (cart,) = three_minutes.services(t0, t0 + 60)
    assert (cart.service, cart.requests) == ("cart", 1)
    assert three_minutes.services()[0].requests == 2


def test_edge_series_lists_each_bucket_in_time_order(three_minutes, t0):
    series = three_minutes.edge_series(t0, t0 + 180)
    assert [(start, stats.calls, stats.errors) for start, stats in series["web", "cart"]] == [
        (t0, 2, 0),
        (t0 + 60, 1, 1),
        (t0 + 120, 1, 0),
    ]
    assert [start for start, _ in series["cart", "db"]] == [t0 + 60]
    assert three_minutes.edge_series(t0 + 60, t0 + 120)["web", "cart"][0][0] == t0 + 60


def test_service_series_lists_each_bucket_in_time_order(three_minutes, t0):
    series = three_minutes.service_series(t0, t0 + 180)
    assert [(start, stats.requests) for start, stats in series["cart"]] == [
        (t0, 1),
        (t0 + 120, 1),
    ]


def test_the_time_range_spans_the_first_and_last_bucket(three_minutes, t0):
    assert three_minutes.time_range() == (t0, t0 + 120)


def test_an_empty_store_has_no_time_range(store):
    assert store.time_range() is None


def test_a_call_without_a_time_is_counted_in_the_minute_it_was_imported(store, call, t0):
    undated = structs.replace(call("web", "cart", "x"), start_us=None)
    ingest(store, [undated], now_s=t0 + 3601)
    assert store.time_range() == (t0 + 3600, t0 + 3600)


def node(store, name):
    return {found.name: found for found in store.nodes()}[name]


def seen_range(engine, name):
    query = select(nodes_table.c.first_seen, nodes_table.c.last_seen).where(
        nodes_table.c.name == name
    )
    with engine.connect() as connection:
        return tuple(connection.execute(query).one())


def test_a_peer_seen_only_by_callers_is_virtual_with_its_kind(store, call):
    ingest(store, [call("web", "stripe", "a", child_kind=NodeKind.EXTERNAL, child_local=False)])
    assert node(store, "stripe") == Node("stripe", NodeKind.EXTERNAL, virtual=True)
    assert node(store, "web") == Node("web", NodeKind.SERVICE, virtual=False)


def test_a_virtual_node_becomes_instrumented_once_it_reports_spans_and_stays_so(
    store, call, served
):
    ingest(store, [call("web", "legacy", "a", child_local=False)])
    assert node(store, "legacy").virtual
    ingest(store, [], [served("legacy", "b")])
    assert node(store, "legacy") == Node("legacy", NodeKind.SERVICE, virtual=False)
    ingest(store, [call("web", "legacy", "c", child_local=False)])
    assert not node(store, "legacy").virtual


def test_a_virtual_node_keeps_its_most_specific_kind(store, call):
    ingest(store, [call("api", "pg", "a", child_local=False)])
    assert node(store, "pg").kind is NodeKind.SERVICE
    ingest(store, [call("api", "pg", "b", child_kind=NodeKind.DATABASE, child_local=False)])
    ingest(store, [call("api", "pg", "c", child_local=False)])
    assert node(store, "pg") == Node("pg", NodeKind.DATABASE, virtual=True)


def test_a_node_remembers_the_first_and_last_minute_it_was_seen(store, engine, call, t0):
    ingest(store, [call("web", "cart", "a", at=t0 + 600)])
    ingest(store, [call("web", "cart", "b", at=t0)])
    ingest(store, [call("web", "cart", "c", at=t0 + 1230)])
    assert seen_range(engine, "cart") == (t0, t0 + 1200)
