from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event

from bot.adapters.store import IngestResult
from topology.model import NodeKind

NOW = 1_800_000_000
"""When the tests import: later than every call they make."""


def ingest(store, calls, served_requests=(), *, now_s=NOW, source="test"):
    return store.ingest(
        list(calls), list(served_requests), now_s=now_s, source=source, spans=2 * len(calls)
    )


def by_edge(store, start_s=None, end_s=None):
    return {(edge.parent, edge.child): edge for edge in store.edges(start_s, end_s)}


def test_ingested_calls_are_summed_per_edge(store, call, t0):
    ingest(
        store,
        [
            call("web", "cart", "t1:a", server_ms=10, client_ms=12),
            call("web", "cart", "t1:b", at=t0 + 70, error=True, client_ms=300),
            call("cart", "redis", "t1:c", child_kind=NodeKind.DATABASE, child_local=False),
        ],
    )
    edges = by_edge(store)
    assert set(edges) == {("web", "cart"), ("cart", "redis")}
    cart = edges["web", "cart"]
    assert (cart.calls, cart.errors) == (2, 1)
    assert (cart.latency.count, cart.latency.sum_ms) == (2, pytest.approx(310))
    assert (cart.client.count, cart.client.sum_ms) == (2, pytest.approx(312))
    assert (cart.server.count, cart.server.sum_ms) == (1, pytest.approx(10))
    assert sum(cart.latency.histogram) == 2
    assert cart.latency.quantile_ms(0.5) is not None
    assert cart.child_kind is NodeKind.SERVICE
    assert edges["cart", "redis"].child_kind is NodeKind.DATABASE
    assert edges["cart", "redis"].latency.count == 0


def test_counts_come_back_as_python_ints_and_floats(store, call, served):
    ingest(store, [call("web", "cart", "k", server_ms=5)], [served("cart", "k")])
    (edge,) = store.edges()
    (service,) = store.services()
    assert type(edge.calls) is int
    assert type(edge.latency.histogram[0]) is int
    assert type(edge.latency.sum_ms) is float
    assert type(service.requests) is int


def test_served_requests_are_summed_per_service(store, served):
    ingest(
        store,
        [],
        [served("cart", "s1", ms=10), served("cart", "s2", error=True, ms=30), served("web", "s3")],
    )
    services = {service.service: service for service in store.services()}
    assert services["cart"].requests == 2
    assert services["cart"].errors == 1
    assert services["cart"].latency.avg_ms == pytest.approx(20)
    assert services["web"].requests == 1


def test_importing_the_same_calls_again_counts_nothing_new(store, call, served):
    calls = [call("web", "cart", "t1:a"), call("web", "cart", "t1:b", error=True)]
    requests = [served("cart", "t1:b")]
    first = ingest(store, calls, requests)
    again = ingest(store, calls, requests)
    assert first == IngestResult(calls_new=2, calls_duplicate=0, served_new=1)
    assert again == IngestResult(calls_new=0, calls_duplicate=2, served_new=0)
    (edge,) = store.edges()
    assert (edge.calls, edge.errors) == (2, 1)
    assert store.services()[0].requests == 1


def test_only_the_unseen_calls_of_an_overlapping_import_are_added(store, call):
    ingest(store, [call("web", "cart", "a"), call("web", "cart", "b")])
    result = ingest(store, [call("web", "cart", "b"), call("web", "cart", "c")])
    assert result == IngestResult(calls_new=1, calls_duplicate=1, served_new=0)
    assert store.edges()[0].calls == 3


def test_a_key_repeated_within_one_batch_is_counted_once(store, call):
    result = ingest(store, [call("web", "cart", "same"), call("web", "cart", "same")])
    assert result == IngestResult(calls_new=1, calls_duplicate=1, served_new=0)
    assert store.edges()[0].calls == 1


def test_a_served_request_and_a_call_sharing_a_key_are_both_counted(store, call, served):
    result = ingest(store, [call("web", "cart", "span-1")], [served("cart", "span-1")])
    assert result == IngestResult(calls_new=1, calls_duplicate=0, served_new=1)


def test_a_large_import_repeated_counts_each_call_once(store, call):
    calls = [call("web", f"svc{index % 7}", f"k{index}") for index in range(12_000)]
    assert ingest(store, calls).calls_new == 12_000
    assert ingest(store, calls).calls_duplicate == 12_000
    assert sum(edge.calls for edge in store.edges()) == 12_000


def test_every_import_is_logged_newest_first(store, call, t0):
    ingest(store, [call("web", "cart", "a")], source="jaeger", now_s=t0 + 60)
    ingest(store, [call("web", "cart", "a")], source="file.json", now_s=t0 + 120)
    latest, earlier = store.imports()
    assert (latest.source, latest.at, latest.calls_new, latest.calls_duplicate) == (
        "file.json",
        t0 + 120,
        0,
        1,
    )
    assert (earlier.source, earlier.spans, earlier.calls_new) == ("jaeger", 2, 1)
    assert len(store.imports(limit=1)) == 1


class InjectedFailureError(Exception):
    pass


def test_a_failure_in_the_middle_of_an_import_leaves_nothing_behind(store, engine, call, served):
    def fail_on_the_last_statement(_conn, _cursor, statement, *_args):
        if statement.startswith("INSERT INTO imports"):
            raise InjectedFailureError

    calls = [call("web", "cart", "a"), call("cart", "db", "b", child_local=False)]
    event.listen(engine, "before_cursor_execute", fail_on_the_last_statement)
    try:
        with pytest.raises(InjectedFailureError):
            ingest(store, calls, [served("cart", "a")])
    finally:
        event.remove(engine, "before_cursor_execute", fail_on_the_last_statement)

    assert store.edges() == []
    assert store.services() == []
    assert store.nodes() == []
    assert store.imports() == []
    assert ingest(store, calls).calls_new == 2


def test_concurrent_imports_of_the_same_calls_count_each_call_once(store, call, served):
    calls = [call("web", f"svc{index % 5}", f"k{index}") for index in range(500)]
    requests = [served("web", f"k{index}") for index in range(100)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: ingest(store, calls, requests), range(4)))
    assert sum(result.calls_new for result in results) == 500
    assert sum(result.served_new for result in results) == 100
    assert sum(edge.calls for edge in store.edges()) == 500
    assert store.services()[0].requests == 100
