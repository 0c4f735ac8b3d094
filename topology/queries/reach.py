"""How much of each caller's traffic ends up at some services, following the calls.

share(target) = 1, and for an upstream service U,
share(U) = min(1, sum over U's callees C (U itself left out) of w(U -> C) * share(C)),
where w(U -> C) is the calls U makes to C per request U serves (or, when U's served
requests are unknown, the part of U's outgoing calls that go to C), and callees that
cannot reach a target count 0. So a share estimates the part of U's requests whose
handling reaches a target. Services are settled callees first, one
strongly connected part at a time: outside cycles at once, within a cycle by climbing from
zero with Gauss-Seidel rounds, so that even when a large cycle keeps its shares from settling
within the rounds allowed, each is a lower bound of its true value.

Most cycles are solved faster: below the cap a cycle's shares solve a linear system
x = A x + b, A being the weights within the cycle and b what its services get from the
settled callees outside. Once per graph each cycle gets (I - A)^-1 (when A's spectral
radius is below 1, the capped system then has exactly one fixed point), so a query
takes one product with it, then pins the services the cap holds at 1 (and failed
services within the cycle) by a few policy-iteration steps. The result, lowered a
little for rounding, must pass one Gauss-Seidel round that lowers nothing, which proves
it lies below the fixed point; else the cycle is climbed as before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from operator import mul
from typing import TYPE_CHECKING, TypeAlias, cast

from topology.graph import CallIndex, ServiceGraph
from topology.queries import walk
from topology.queries.fixed_point import climb, invert_m_matrix, solve_small

if TYPE_CHECKING:
    import numpy
    import numpy.typing

FloatVector: TypeAlias = "numpy.typing.NDArray[numpy.float64]"
FloatMatrix: TypeAlias = "numpy.typing.NDArray[numpy.float64]"

TOLERANCE = 1e-6
"""A cycle's shares are final when no round changes any of them by more than this."""

MAX_ROUNDS = 200
"""A cycle's shares are final after this many rounds in any case."""

SHAVE = 1e-12
"""How far below a linear solution its checking round starts, per unit of (I - A)^-1 1,
so that rounding cannot make a solution at the fixed point look above it."""

MAX_PINS = 16
"""A cycle with more services pinned at the cap than this is climbed instead."""

MAX_SWITCHES = 8
"""A cycle whose pinned services are not settled after this many steps is climbed instead."""

RECENT = 32
"""How many answers (by targets) each graph keeps; one is at most a few hundred KB on a
5,000-service map."""

RECENT_KEY = "reach.recent"
"""The key of the recent answers in a `CallIndex.memo`."""

SOLVERS = "reach.cycles"
"""The key of the cycle solvers in a `CallIndex.memo`."""

SCHEDULE = "reach.schedule"
"""The key of the order in which shares are settled in a `CallIndex.memo`."""


@dataclass(frozen=True, slots=True)
class Reach:
    """The transitive callers of some targets: hops to the nearest, and their shares."""

    hops: dict[str, int]
    shares: dict[str, float]


def reach(graph: ServiceGraph, targets: Collection[str]) -> Reach:
    """Every transitive caller of `targets` (targets left out) with its hops and share."""
    index = graph.index
    hops, share = reach_by_number(index, [index.ids[name] for name in targets])
    names = index.names
    return Reach(
        {names[node]: count for node, count in hops.items()},
        {names[node]: share[node] for node in hops},
    )


def reach_by_number(index: CallIndex, targets: list[int]) -> Answer:
    """`reach` by node number: hops of each transitive caller, and shares of every node.

    The last RECENT answers of each graph are kept, by the set of targets: an incident
    asks about the same services again and again. Both are shared: read them, never
    change them. (The shares are a tuple, and the hops hold only numbers, so that the
    cycle collector soon stops walking the answers kept.)
    """
    key = frozenset(targets)
    recent = _recent(index)
    found = recent.get(key)
    if found is None:
        hops = _upstream(index, targets, set(targets))
        found = recent.put(key, (hops, tuple(_shares(index, targets, hops))))
    return found


Answer = tuple[dict[int, int], tuple[float, ...]]
"""Hops of each transitive caller by node number, and the shares of every node."""


class _Recent:
    """The last answers asked of one graph, by targets, at most RECENT of them."""

    __slots__ = ("_answers", "_lock")

    def __init__(self) -> None:
        self._answers: OrderedDict[frozenset[int], Answer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: frozenset[int]) -> Answer | None:
        """The answer for `key`, if kept (and now the most recent)."""
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def put(self, key: frozenset[int], answer: Answer) -> Answer:
        """Keep `answer` for `key`, forgetting the oldest beyond RECENT; returns it."""
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > RECENT:
                self._answers.popitem(last=False)
        return answer


def _recent(index: CallIndex) -> _Recent:
    """The recent answers of `index`, made on first need."""
    found = index.memo.get(RECENT_KEY)
    if found is None:
        found = index.memo.setdefault(RECENT_KEY, _Recent())
    return cast("_Recent", found)


def upstream_hops(
    graph: ServiceGraph, targets: Collection[str], *, avoid: Collection[str] = ()
) -> dict[str, int]:
    """Hops from each transitive caller of `targets` to the nearest one, not through `avoid`."""
    index = graph.index
    target_ids = [index.ids[name] for name in targets]
    closed = {*target_ids, *(index.ids[name] for name in avoid)}
    found = _upstream(index, target_ids, closed)
    return {index.names[node]: count for node, count in found.items()}


def _upstream(index: CallIndex, targets: list[int], closed: set[int]) -> dict[int, int]:
    """Breadth-first over callers from `targets`, never entering `closed`."""
    return walk.upstream(index, targets, closed)


def _shares(index: CallIndex, targets: list[int], hops: dict[int, int]) -> list[float]:
    """Shares by node number; nodes neither upstream nor targets keep 0."""
    share = [0.0] * len(index.names)
    for target in targets:
        share[target] = 1.0
    get = share.__getitem__
    solvers = _solvers(index)
    fixed = set(targets)
    for rows, number in _schedule(index):  # callees first: what a part calls is settled
        for node, weights, callees in rows:
            if node in hops:
                share[node] = min(1.0, sum(map(mul, weights, map(get, callees))))
        if number is None:
            continue
        # A cycle less the targets may fall apart, but climbing it as one block still
        # reaches the same least fixed point.
        part = index.parts[number]
        members = [node for node in part if node in hops]
        if not members:
            continue
        if number not in solvers:
            solvers[number] = _Cycle.of(part, index)
        solver = solvers[number]
        if solver is not None and _solve(solver, members, fixed, share):
            continue
        # Nearest the targets first, so one round carries a change all the way up.
        members.sort(key=hops.__getitem__)
        _settle(members, index, share)
    return share


Row = tuple[int, tuple[float, ...], tuple[int, ...]]
"""A node, the weights of its calls and their callees."""

Run = tuple[tuple[Row, ...], int | None]
"""Parts of one node each, in order, then the part number of the cycle that follows them."""


def _schedule(index: CallIndex) -> tuple[Run, ...]:
    """The parts of `index` in callee-first order as runs, made once per graph."""
    found = index.memo.get(SCHEDULE)
    if found is None:
        runs: list[Run] = []
        rows: list[Row] = []
        for number, part in enumerate(index.parts):
            if len(part) == 1:
                [node] = part
                rows.append((node, index.weights[node], index.callees[node]))
            else:
                runs.append((tuple(rows), number))
                rows = []
        runs.append((tuple(rows), None))
        found = index.memo.setdefault(SCHEDULE, tuple(runs))
    return cast("tuple[Run, ...]", found)


@dataclass(frozen=True, slots=True)
class _Cycle:
    """What solving one cycle takes, whatever failed: its services, calls out, (I - A)^-1."""

    nodes: tuple[int, ...]
    outside: tuple[int, ...]
    """The services outside the cycle that its services call."""
    through: FloatMatrix
    """(I - A)^-1 E, E being the weights of the calls to `outside`: the cycle's shares
    before the cap, given the shares of `outside`."""
    inverse: FloatMatrix
    """(I - A)^-1."""
    shave: FloatVector
    """SHAVE (I - A)^-1 1: how far below a solution its checking round starts (the
    solutions fall by (I - A)^-1 1 for a shortfall of 1 in every equation)."""
    rows: tuple[Row, ...]
    """The node, weights and callees of each service, in the order of `nodes`."""
    local: dict[int, int]
    """The place of each service in `nodes`."""

    @classmethod
    def of(cls, part: Sequence[int], index: CallIndex) -> _Cycle | None:
        """The solver of the cycle `part`, None when (I - A) has no usable inverse."""
        import numpy  # noqa: PLC0415 - a question on a map without cycles never loads it

        nodes = tuple(sorted(part))
        local = {node: number for number, node in enumerate(nodes)}
        matrix = numpy.identity(len(nodes), dtype=numpy.float64)
        outside: dict[int, int] = {}
        calls_out: list[tuple[int, int, float]] = []
        for row, node in enumerate(nodes):
            for callee, weight in zip(index.callees[node], index.weights[node], strict=True):
                column = local.get(callee)
                if column is None:
                    out = outside.setdefault(callee, len(outside))
                    calls_out.append((row, out, weight))
                else:
                    matrix[row, column] -= weight
        inverse = invert_m_matrix(matrix)
        if inverse is None:
            return None
        exits = numpy.zeros((len(nodes), len(outside)), dtype=numpy.float64)
        for row, out, weight in calls_out:
            exits[row, out] += weight
        return cls(
            nodes,
            tuple(outside),
            inverse @ exits,
            inverse,
            SHAVE * inverse.sum(axis=1),
            tuple((node, index.weights[node], index.callees[node]) for node in nodes),
            local,
        )


def prepare(graph: ServiceGraph) -> None:
    """Make every cycle's solver and what walks need now, so no question pays for it later.

    A process holding one graph for many questions (a server between refreshes) calls
    this once after loading; a one-off question makes only what it needs.
    """
    index = graph.index
    solvers = _solvers(index)
    for number, part in enumerate(index.parts):
        if len(part) > 1 and number not in solvers:
            solvers[number] = _Cycle.of(part, index)
    _schedule(index)
    walk.prepare(index)


def _solvers(index: CallIndex) -> dict[int, _Cycle | None]:
    """The solvers of the cycles of `index` by part number, each made on first need."""
    found = index.memo.get(SOLVERS)
    if found is None:
        found = index.memo[SOLVERS] = {}
    return cast("dict[int, _Cycle | None]", found)


def _solve(cycle: _Cycle, members: list[int], fixed: set[int], share: list[float]) -> bool:
    """Set the shares of `members`, the upstream services of `cycle`, if proved not too high.

    False when the solution cannot be proved below the fixed point: the shares of `members`
    are then to be worked out again.
    """
    import numpy  # noqa: PLC0415 - loaded with the cycle's solver

    local = cycle.local
    pinned = {local[node] for node in fixed if node in local}
    if len(members) + len(pinned) != len(cycle.nodes):
        return False
    solution = _linear(cycle, pinned, share)
    if solution is None:
        return False
    start = numpy.maximum(0.0, numpy.minimum(1.0, solution) - cycle.shave).tolist()
    rows = cycle.rows
    if pinned:  # the failed services keep their share of 1
        kept = [place for place in range(len(rows)) if place not in pinned]
        rows = tuple(map(rows.__getitem__, kept))
        start = list(map(start.__getitem__, kept))
    for (node, _weights, _callees), value in zip(rows, start, strict=True):
        share[node] = value
    get = share.__getitem__
    for (node, weights, callees), value in zip(rows, start, strict=True):
        new = min(1.0, sum(map(mul, weights, map(get, callees))))
        if not new >= value:
            return False
        share[node] = new
    return True


def _linear(cycle: _Cycle, fixed: set[int], share: list[float]) -> FloatVector | None:
    """The shares of the cycle by policy iteration: services pinned at 1 or solved linearly.

    `fixed` are the (local numbers of) failed services in the cycle, pinned throughout.
    """
    import numpy  # noqa: PLC0415 - loaded with the cycle's solver

    given = numpy.fromiter(
        map(share.__getitem__, cycle.outside), dtype=numpy.float64, count=len(cycle.outside)
    )
    free = cycle.through @ given
    pins = fixed | set(numpy.flatnonzero(free > 1.0).tolist())
    if not pins:
        return free  # nothing failed or capped within the cycle: the linear solution stands
    inverse = cycle.inverse
    for _step in range(MAX_SWITCHES):
        if len(pins) > MAX_PINS:
            return None
        order = sorted(pins)
        # Inject r at the pins so that each comes out at exactly 1.
        push = solve_small(inverse[numpy.ix_(order, order)].tolist(), (1.0 - free[order]).tolist())
        if push is None:
            return None
        solution = free + inverse[:, order] @ numpy.array(push, dtype=numpy.float64)
        # A pin the cap does not hold needs a positive push; a free share over 1 needs a pin.
        kept = {pin for pin, amount in zip(order, push, strict=True) if amount <= 0.0}
        over = set(numpy.flatnonzero(solution > 1.0).tolist()) - pins
        better = fixed | kept | over
        if better == pins:
            return solution
        pins = better
    return None


def _settle(cycle: list[int], index: CallIndex, share: list[float]) -> None:
    """Climb to the shares of the services of one cycle, all it calls outside being settled."""
    rows = [(node, index.callees[node], index.weights[node]) for node in cycle]

    def sweep(values: list[float]) -> list[float]:
        """One Gauss-Seidel round from `values`."""
        for node, value in zip(cycle, values, strict=True):
            share[node] = value
        for node, callees, weights in rows:
            share[node] = min(1.0, sum(map(mul, weights, map(share.__getitem__, callees))))
        return [share[node] for node in cycle]

    final = climb(sweep, len(cycle), tolerance=TOLERANCE, max_rounds=MAX_ROUNDS)
    for node, value in zip(cycle, final, strict=True):
        share[node] = value
