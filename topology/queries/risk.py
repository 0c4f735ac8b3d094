"""The map's weak points: what one failure would take down, who could not be paged for it.

A node's *entry share* is the part of the entry traffic (the requests served by the
services nobody calls) whose handling would reach it: sum over entries e of
requests(e) * share_X(e) / total, share_X(e) being `blast`'s share of e's requests that
reach X (1 for X itself). A *single point of failure* has an entry share of at least
`min_share`.

Working that share out for every node costs one blast each; instead each node first gets
an upper bound, the entry traffic's expected calls into it (the entries' requests pushed
down the calls, weighted as blast weighs them, through a cycle by its linear solution):
a share, capped at 1 on the way, never exceeds that sum. Nodes are checked largest bound
first, and checking stops once `limit` are found whose shares no unchecked bound can
beat; what is left unchecked is counted, never guessed.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from topology.graph import CallIndex, ServiceGraph
from topology.model import NodeKind
from topology.ownership import Catalog
from topology.queries.burn import Burn
from topology.queries.cycle_shares import FloatMatrix, FloatVector
from topology.queries.diff import EdgeChange
from topology.queries.jsonable import as_dict
from topology.queries.reach import reach_by_number

NO_OWNER = "no owner"
NO_ROUTING_KEY = "no routing key"
NO_CHANNEL = "no channel"
SLACK = 1e-9
"""Relative room left on a bound for rounding, so that rounding never skips a node."""


@dataclass(frozen=True, slots=True)
class WeakPoint:
    """A node whose failure would reach `share` of the entry traffic."""

    name: str
    share: float
    requests: float
    """Entry requests whose handling reaches it."""
    callers: int
    owner: str | None
    kind: NodeKind
    virtual: bool

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


@dataclass(frozen=True, slots=True)
class OwnerGap:
    """A single point of failure nobody owns, or whose owners cannot be paged or told."""

    name: str
    share: float
    owner: str | None
    problems: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


@dataclass(frozen=True, slots=True)
class NewDependency:
    """An edge new in the recent window with a single point of failure at one end."""

    parent: str
    child: str
    calls: int
    critical: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


@dataclass(frozen=True, slots=True)
class CallCycle:
    """Services calling each other round in a cycle."""

    size: int
    services: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


@dataclass(frozen=True, slots=True)
class Hotspot:
    """A node many services call, carrying a large entry share."""

    name: str
    callers: int
    share: float
    owner: str | None

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


@dataclass(frozen=True, slots=True)
class RiskResult:
    """The weak points of one map, worst first in each list."""

    min_share: float
    entries: int
    entry_requests: float
    single_points: tuple[WeakPoint, ...]
    more_single_points: int
    """Single points of failure found beyond the `limit` shown."""
    unchecked: int
    """Nodes whose bound reaches `min_share` but that rank below those shown: not checked."""
    owner_gaps: tuple[OwnerGap, ...]
    new_dependencies: tuple[NewDependency, ...]
    other_new_edges: int
    cycles: tuple[CallCycle, ...]
    more_cycles: int
    hotspots: tuple[Hotspot, ...]
    burning: tuple[Burn, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """How much a risk answer lists, and what counts as critical or a hotspot."""

    min_share: float = 0.5
    limit: int = 10
    hotspot_callers: int = 5
    hotspot_share: float = 0.1


def entry_traffic(graph: ServiceGraph, served: Mapping[str, int]) -> list[tuple[int, float]]:
    """The entries by number with their requests: nodes nobody calls that served or called.

    A node's requests are those it served, else (its server spans unseen) the calls it made.
    """
    index = graph.index
    found = []
    for number, callers in enumerate(index.callers):
        if callers:
            continue
        requests = served.get(index.names[number], 0) or index.out_calls[number]
        if requests > 0:
            found.append((number, float(requests)))
    return found


def share_bounds(index: CallIndex, entries: Sequence[tuple[int, float]]) -> list[float]:
    """Per node, an upper bound of the entry requests whose handling reaches it.

    The entries' requests pushed down the calls, callers first; a cycle's members get
    its linear solution, or infinity when the calls round it do not die out.
    """
    flow = [0.0] * len(index.names)
    for number, requests in entries:
        flow[number] += requests
    callees, weights = index.callees, index.weights
    for part in reversed(index.parts):  # callers first
        inside: frozenset[int] = frozenset()
        if len(part) > 1:
            _cycle_flow(part, index, flow)
            inside = frozenset(part)
        for node in part:
            amount = flow[node]
            if amount <= 0.0:
                continue
            for callee, weight in zip(callees[node], weights[node], strict=True):
                if callee not in inside:
                    flow[callee] += amount * weight
    return flow


def _cycle_flow(part: Sequence[int], index: CallIndex, flow: list[float]) -> None:
    """Replace the inflow of the members of `part` with their flow round the cycle.

    flow_j = inflow_j + sum_i flow_i A[i][j], A the weights within the cycle, so
    flow = (I - A^T)^-1 inflow: the sum of the calls round the cycle, which is finite
    when A's spectral radius is below 1. That holds when (I - A) y = 1 has a solution
    y > 0 (I - A is then a nonsingular M-matrix); otherwise the members get infinity.
    Calls out of the cycle are pushed afterwards by the caller, member by member.
    """
    import numpy  # noqa: PLC0415 - loaded only for a map with a cycle of calls

    size = len(part)
    local = {node: number for number, node in enumerate(part)}
    matrix = numpy.identity(size, dtype=numpy.float64)
    for row, node in enumerate(part):
        for callee, weight in zip(index.callees[node], index.weights[node], strict=True):
            column = local.get(callee)
            if column is not None:
                matrix[row, column] -= weight
    inflow = numpy.fromiter((flow[node] for node in part), dtype=numpy.float64, count=size)
    values = _solved(matrix, inflow)
    if values is None:
        values = [float("inf") if bool(inflow.any()) else 0.0] * size
    for node, value in zip(part, values, strict=True):
        flow[node] = value


def _solved(matrix: FloatMatrix, inflow: FloatVector) -> list[float] | None:
    """(matrix^T)^-1 inflow, None unless `matrix` = I - A is a nonsingular M-matrix."""
    import numpy  # noqa: PLC0415 - loaded with the cycle's matrix

    try:
        check = numpy.linalg.solve(matrix, numpy.ones(len(inflow), dtype=numpy.float64))
        solved = numpy.linalg.solve(matrix.T, inflow)
    except numpy.linalg.LinAlgError:
        return None
    if not bool(numpy.all(check > 0.0)) or not bool(numpy.all(numpy.isfinite(solved))):
        return None
    values: list[float] = numpy.maximum(solved, inflow).tolist()
    return values


class _Shares:
    """Exact entry shares by node number, worked out once each."""

    def __init__(self, index: CallIndex, entries: Sequence[tuple[int, float]]) -> None:
        self._index = index
        self._entries = entries
        self._known: dict[int, float] = {}

    def requests(self, number: int) -> float:
        """Entry requests whose handling reaches node `number`."""
        found = self._known.get(number)
        if found is None:
            _hops, share = reach_by_number(self._index, [number])
            found = sum(requests * share[entry] for entry, requests in self._entries)
            self._known[number] = found
        return found


def weak_points(
    graph: ServiceGraph,
    catalog: Catalog,
    served: Mapping[str, int],
    *,
    limits: RiskLimits | None = None,
    new_edges: Sequence[EdgeChange] | None = None,
    burning: Sequence[Burn] = (),
) -> RiskResult:
    """The weak points of `graph`; `new_edges` are the edges new lately (`edges_new_since`)."""
    limits = limits or RiskLimits()
    if not 0.0 < limits.min_share <= 1.0:
        raise ValueError("min_share must be in (0, 1]")
    if limits.limit < 1:
        raise ValueError("limit must be at least 1")
    index = graph.index
    entries = entry_traffic(graph, served)
    total = sum(requests for _entry, requests in entries)
    shares = _Shares(index, entries)
    bounds = share_bounds(index, entries)
    found, unchecked = _single_points(index, bounds, shares, total, limits)
    shown = found[: limits.limit]
    points = tuple(
        _weak_point(graph, catalog, number, requests, total) for requests, number in shown
    )
    critical = {index.names[number] for _requests, number in found}
    new, other = _new_dependencies(new_edges, critical)
    cycles = sorted(
        (
            tuple(sorted(index.names[node] for node in part))
            for part in index.parts
            if len(part) > 1
        ),
        key=lambda names: (-len(names), names),
    )
    return RiskResult(
        min_share=limits.min_share,
        entries=len(entries),
        entry_requests=total,
        single_points=points,
        more_single_points=len(found) - len(shown),
        unchecked=unchecked,
        owner_gaps=_owner_gaps(catalog, points),
        new_dependencies=new,
        other_new_edges=other,
        cycles=tuple(CallCycle(len(names), names) for names in cycles[: limits.limit]),
        more_cycles=max(0, len(cycles) - limits.limit),
        hotspots=_hotspots(index, catalog, (bounds, shares), total, limits),
        burning=tuple(burning),
    )


def _single_points(
    index: CallIndex,
    bounds: Sequence[float],
    shares: _Shares,
    total: float,
    limits: RiskLimits,
) -> tuple[list[tuple[float, int]], int]:
    """The single points of failure checked, most entry requests first, and the unchecked."""
    if total <= 0:
        return [], 0
    need = limits.min_share * total
    order = sorted(
        (number for number, bound in enumerate(bounds) if bound >= need * (1 - SLACK)),
        key=lambda number: (-bounds[number], number),
    )
    best: list[float] = []  # a min-heap of the `limit` largest shares found
    found: list[tuple[float, int]] = []
    checked = 0
    for number in order:
        if len(best) >= limits.limit and best[0] >= bounds[number] * (1 + SLACK):
            break
        requests = min(shares.requests(number), bounds[number])
        checked += 1
        if requests < need:
            continue
        found.append((requests, number))
        if len(best) < limits.limit:
            heapq.heappush(best, requests)
        else:
            heapq.heappushpop(best, requests)
    found.sort(key=lambda item: (-item[0], index.names[item[1]]))
    return found, len(order) - checked


def _weak_point(
    graph: ServiceGraph, catalog: Catalog, number: int, requests: float, total: float
) -> WeakPoint:
    index = graph.index
    name, node = index.names[number], index.nodes[number]
    return WeakPoint(
        name=name,
        share=requests / total,
        requests=requests,
        callers=len(index.callers[number]),
        owner=catalog.owner_name(name),
        kind=node.kind,
        virtual=node.virtual,
    )


def _owner_gaps(catalog: Catalog, points: Sequence[WeakPoint]) -> tuple[OwnerGap, ...]:
    gaps = []
    for point in points:
        team = catalog.team_of(point.name)
        if team is None:
            problems: tuple[str, ...] = (NO_OWNER,)
        else:
            missing = (
                (NO_ROUTING_KEY, not team.pagerduty_routing_key),
                (NO_CHANNEL, not team.slack_channel),
            )
            problems = tuple(problem for problem, lacking in missing if lacking)
        if problems:
            gaps.append(OwnerGap(point.name, point.share, point.owner, problems))
    return tuple(gaps)


def edges_new_since(
    graph: ServiceGraph, seen: Collection[tuple[str, str]]
) -> tuple[EdgeChange, ...]:
    """The edges of `graph` not in `seen` (caller, callee), most calls first.

    As `diff`'s new edges against a map holding just the edges `seen`.
    """
    changes = [
        EdgeChange(stats.parent, stats.child, stats.calls)
        for stats in graph.edges()
        if (stats.parent, stats.child) not in seen
    ]
    return tuple(sorted(changes, key=lambda change: (-change.calls, change.parent, change.child)))


def _new_dependencies(
    new_edges: Sequence[EdgeChange] | None, critical: set[str]
) -> tuple[tuple[NewDependency, ...], int]:
    if new_edges is None:
        return (), 0
    new = []
    for edge in new_edges:
        ends = tuple(name for name in (edge.parent, edge.child) if name in critical)
        if ends:
            new.append(NewDependency(edge.parent, edge.child, edge.calls, ends))
    return tuple(new), len(new_edges) - len(new)


def _hotspots(
    index: CallIndex,
    catalog: Catalog,
    known: tuple[Sequence[float], _Shares],
    total: float,
    limits: RiskLimits,
) -> tuple[Hotspot, ...]:
    """The most-called nodes (at least `hotspot_callers` callers) of a large enough share.

    Exact shares are worked out for twice `limit` of the most-called nodes whose bound
    reaches `hotspot_share`, no more.
    """
    if total <= 0:
        return ()
    bounds, shares = known
    need = limits.hotspot_share * total * (1 - SLACK)
    called = sorted(
        (
            (len(callers), number)
            for number, callers in enumerate(index.callers)
            if len(callers) >= limits.hotspot_callers and bounds[number] >= need
        ),
        key=lambda item: (-item[0], index.names[item[1]]),
    )
    spots = []
    for count, number in called[: 2 * limits.limit]:
        share = shares.requests(number) / total
        if share >= limits.hotspot_share:
            name = index.names[number]
            spots.append(Hotspot(name, count, share, catalog.owner_name(name)))
    spots.sort(key=lambda spot: (-spot.callers * spot.share, spot.name))
    return tuple(spots[: limits.limit])
