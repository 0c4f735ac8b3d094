"""How much of each caller's traffic ends up at some services, following the calls.

share(target) = 1, and for an upstream service U,
share(U) = min(1, sum over U's callees C (U itself left out) of w(U -> C) * share(C)),
where w(U -> C) is the calls U makes to C per request U serves (or, when U's served
requests are unknown, the part of U's outgoing calls that go to C), and callees that
cannot reach a target count 0. So a share estimates the part of U's requests whose
handling reaches a target. Services are settled callees first, one strongly connected
part at a time: outside cycles at once, within a cycle as `cycle_shares` tells.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from operator import mul
from typing import cast

from topology.graph import CallIndex, ServiceGraph
from topology.queries.cycle_shares import Cycle, settle, solve
from topology.queries.levels import climb_in_arrays, packed_calls, prepare_levels
from topology.queries.share_rows import Row, row_of

RECENT = 32
"""How many answers (by targets) each graph keeps; one is at most a few hundred KB on a
5,000-service map."""

RECENT_KEY = "reach.recent"
"""The key of the recent answers in a `CallIndex.memo`."""

SOLVERS = "reach.cycles"
"""The key of the cycle solvers in a `CallIndex.memo`."""

CLIMB_FROM = 1_500
"""Calls out of one level of a walk over callers from which the rest is climbed in arrays."""

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
    """Breadth-first over callers from `targets`, never entering `closed`; in no set order.

    One node at a time while a level's calls are few; on a large map packed as arrays
    (`prepare_levels`), the rest a level at a time once a level holds `CLIMB_FROM` calls
    (about 70 ns each one at a time, against some 100 µs a level in arrays). On the bench's
    5,000-service map, scipy's compiled walk saved about half a millisecond of a blast
    radius's 8 at the 99th percentile and made each answer worker about 60 MB larger.
    """
    callers = index.callers
    packed = packed_calls(index, down=False)
    hops: dict[int, int] = {}
    frontier = list(dict.fromkeys(targets))
    level = 0
    while frontier:
        if packed is not None and sum(map(len, map(callers.__getitem__, frontier))) >= CLIMB_FROM:
            for deeper, found in climb_in_arrays(packed, frontier, [*hops, *closed], level):
                hops.update(dict.fromkeys(found, deeper))
            return hops
        level += 1
        found = []
        for child in frontier:
            for parent in callers[child]:
                if parent not in hops and parent not in closed:
                    hops[parent] = level
                    found.append(parent)
        frontier = found
    return hops


def _shares(index: CallIndex, targets: list[int], hops: dict[int, int]) -> list[float]:
    """Shares by node number; nodes neither upstream nor targets keep 0."""
    share = [0.0] * len(index.names)
    for target in targets:
        share[target] = 1.0
    solvers = _solvers(index)
    fixed = set(targets)
    for rows, number in _schedule(index):  # callees first: what a part calls is settled
        for node, weights, read in rows:
            if node in hops:
                total = sum(map(mul, weights, read(share)))
                share[node] = total if total < 1.0 else 1.0  # min(1.0, total), sooner
        if number is None:
            continue
        # A cycle less the targets may fall apart, but climbing it as one block still
        # reaches the same least fixed point.
        part = index.parts[number]
        members = [node for node in part if node in hops]
        if not members:
            continue
        if number not in solvers:
            solvers[number] = Cycle.of(part, index)
        solver = solvers[number]
        if solver is not None and solve(solver, members, fixed, share):
            continue
        # Nearest the targets first, so one round carries a change all the way up.
        members.sort(key=hops.__getitem__)
        settle(members, index, share)
    return share


Run = tuple[tuple[Row, ...], int | None]
"""Parts of one node each, in order, then the part number of the cycle that follows them."""


def _schedule(index: CallIndex) -> tuple[Run, ...]:
    """The parts of `index` in callee-first order as runs, made once per graph.

    Nodes that call nobody are left out: they are upstream of nothing.
    """
    found = index.memo.get(SCHEDULE)
    if found is None:
        runs: list[Run] = []
        rows: list[Row] = []
        for number, part in enumerate(index.parts):
            if len(part) > 1:
                runs.append((tuple(rows), number))
                rows = []
            elif index.callees[part[0]]:
                rows.append(row_of(index, part[0]))
        runs.append((tuple(rows), None))
        found = index.memo.setdefault(SCHEDULE, tuple(runs))
    return cast("tuple[Run, ...]", found)


def prepare(graph: ServiceGraph) -> None:
    """Make what questions of `graph` need once now, so that no question pays for it later.

    Every cycle's solver, the order shares settle in, and a large map's calls as arrays
    (`topology.queries.levels`). A process holding one graph for many questions (a server
    between refreshes) calls this once after loading; a one-off question makes only what
    it needs.
    """
    index = graph.index
    prepare_levels(index)
    solvers = _solvers(index)
    for number, part in enumerate(index.parts):
        if len(part) > 1 and number not in solvers:
            solvers[number] = Cycle.of(part, index)
    _schedule(index)


def _solvers(index: CallIndex) -> dict[int, Cycle | None]:
    """The solvers of the cycles of `index` by part number, each made on first need."""
    found = index.memo.get(SOLVERS)
    if found is None:
        found = index.memo[SOLVERS] = {}
    return cast("dict[int, Cycle | None]", found)
