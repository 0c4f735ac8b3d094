"""A batch of calls and served requests seen as names: what it offers, what the caps keep."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from topology.cardinality import Edge, Offer, Verdict
from topology.model import Call, Served

T = TypeVar("T")


def offer_of(calls: Iterable[Call], served: Iterable[Served]) -> Offer:
    """The names and edges that storing `calls` and `served` would bring onto the map."""
    names: dict[str, bool] = {}
    edges: set[Edge] = set()
    for call in calls:
        parent, child = call.parent, call.child
        edges.add((parent, child))
        names[parent] = names.get(parent, False) or call.parent_local
        names[child] = names.get(child, False) or call.child_local
    for request in served:
        names[request.service] = True
    return Offer(names, edges)


def sift(
    calls: Sequence[Call], served: Sequence[Served], verdict: Verdict
) -> tuple[list[Call], list[Served], Counter[str]]:
    """The calls and served requests the verdict keeps, and per reason how many it drops."""
    lost: Counter[str] = Counter()
    if not verdict:
        return list(calls), list(served), lost
    names, edges = verdict.names, verdict.edges
    kept_calls: list[Call] = []
    for call in calls:
        reason = names.get(call.parent) or names.get(call.child)
        reason = reason or edges.get((call.parent, call.child))
        if reason is None:
            kept_calls.append(call)
        else:
            lost[reason] += 1
    kept_served: list[Served] = []
    for request in served:
        reason = names.get(request.service)
        if reason is None:
            kept_served.append(request)
        else:
            lost[reason] += 1
    return kept_calls, kept_served, lost


def offer_of_services(services: Iterable[str]) -> Offer:
    """The names that storing records of `services` (each reporting itself) would bring."""
    return Offer(dict.fromkeys(services, True), set())


def sift_by_service(
    items: Sequence[T], service_of: Callable[[T], str | None], verdict: Verdict
) -> tuple[list[T], Counter[str]]:
    """The items whose service the verdict keeps, and per reason how many it drops."""
    lost: Counter[str] = Counter()
    if not verdict.names:
        return list(items), lost
    names = verdict.names
    kept: list[T] = []
    for item in items:
        service = service_of(item)
        reason = None if service is None else names.get(service)
        if reason is None:
            kept.append(item)
        else:
            lost[reason] += 1
    return kept, lost
