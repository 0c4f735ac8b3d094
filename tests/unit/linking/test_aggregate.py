"""Calls and served requests summed per minute give what adding them one by one gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from topology.aggregate import Aggregate, Summing, aggregate, minute_of
from topology.model import Call, NodeKind, Served
from topology.stats import EdgeStats, Node, ServiceStats

NOW_S = 1_777_604_400
NAMES = ["web", "cart", "db", "kafka"]
kinds = st.one_of(st.none(), st.sampled_from(list(NodeKind)))
starts = st.one_of(st.none(), st.just(0), st.integers(NOW_S * 10**6 - 180_000_000, NOW_S * 10**6))
durations = st.one_of(st.none(), st.integers(0, 90_000_000))
calls = st.builds(
    Call,
    parent=st.sampled_from(NAMES),
    child=st.sampled_from(NAMES),
    key=st.just("k"),
    start_us=starts,
    error=st.booleans(),
    server_us=durations,
    client_us=durations,
    parent_kind=kinds,
    child_kind=kinds,
    parent_local=st.booleans(),
    child_local=st.booleans(),
)
served = st.builds(
    Served,
    service=st.sampled_from(NAMES),
    key=st.just("k"),
    start_us=starts,
    error=st.booleans(),
    duration_us=durations,
)


def one_by_one(calls: list[Call], served: list[Served]) -> Aggregate:
    """The sums made with `Latency.add`, each node noted as `Aggregate` describes it."""
    result = Aggregate()
    local: set[str] = set()
    kinds: dict[str, NodeKind] = {}

    def see(name: str, minute: int) -> None:
        low, high = result.node_seen.get(name, (minute, minute))
        result.node_seen[name] = (min(low, minute), max(high, minute))

    for call in calls:
        minute = minute_of(call.start_us, NOW_S)
        key = (call.parent, call.child, minute)
        if key not in result.edges:
            result.edges[key] = EdgeStats(call.parent, call.child, child_kind=call.child_kind)
            see(call.parent, minute)
            see(call.child, minute)
        stats = result.edges[key]
        stats.calls += 1
        stats.errors += call.error
        best = call.server_us if call.server_us is not None else call.client_us
        for latency, value in (
            (stats.latency, best),
            (stats.client, call.client_us),
            (stats.server, call.server_us),
        ):
            if value is not None:
                latency.add(value / 1000.0)
        for name, is_local, hint in (
            (call.parent, call.parent_local, call.parent_kind),
            (call.child, call.child_local, call.child_kind),
        ):
            if is_local:
                local.add(name)
            if hint is not None and hint is not NodeKind.SERVICE:
                kinds[name] = hint
    for request in served:
        minute = minute_of(request.start_us, NOW_S)
        key2 = (request.service, minute)
        if key2 not in result.services:
            result.services[key2] = ServiceStats(request.service)
            see(request.service, minute)
            local.add(request.service)
        health = result.services[key2]
        health.requests += 1
        health.errors += request.error
        if request.duration_us is not None:
            health.latency.add(request.duration_us / 1000.0)
    result.nodes = {
        name: Node(name, kinds.get(name, NodeKind.SERVICE), name not in local)
        for name in result.node_seen
    }
    return result


@settings(deadline=None, max_examples=200)
@given(st.lists(calls, max_size=40), st.lists(served, max_size=20), st.integers(1, 5))
def test_sums_in_batches_are_the_sums_of_each_call_added_in_turn(calls, served, batches):
    summing = Summing(now_s=NOW_S)
    for part in range(batches):
        summing.add(calls[part::batches], served[part::batches])
    ordered_calls = [c for part in range(batches) for c in calls[part::batches]]
    ordered_served = [s for part in range(batches) for s in served[part::batches]]

    assert summing.result() == one_by_one(ordered_calls, ordered_served)
    assert aggregate(calls, served, now_s=NOW_S) == one_by_one(calls, served)
