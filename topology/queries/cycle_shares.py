"""The shares of the services of one cycle, all it calls outside being settled.

Below the cap a cycle's shares solve a linear system x = A x + b, A being the weights
within the cycle and b what its services get from the settled callees outside. Once per
graph each cycle gets (I - A)^-1 (when A's spectral radius is below 1, the capped system
then has exactly one fixed point), so a question takes one product with it, then pins the
services the cap holds at 1 (and failed services within the cycle) by a few
policy-iteration steps. The result, lowered a little for rounding, must pass one
round of the share equations (all services at once, a product with A) that lowers
nothing, which proves it lies below the fixed point; else
the cycle is climbed from zero with Gauss-Seidel rounds, so that even when a large cycle
keeps its shares from settling within the rounds allowed, each is a lower bound of its
true value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import mul
from typing import TYPE_CHECKING, TypeAlias

from topology.graph import CallIndex
from topology.queries.fixed_point import climb, invert_m_matrix, solve_small
from topology.queries.share_rows import Reader, reader

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


@dataclass(frozen=True, slots=True)
class Cycle:
    """What solving one cycle takes, whatever failed: its services, calls out, (I - A)^-1."""

    nodes: tuple[int, ...]
    outside: Reader
    """Reads the shares of the services outside the cycle that its services call."""
    inverse: FloatMatrix
    """(I - A)^-1: the cycle's shares before the cap are (I - A)^-1 E s, s being the
    shares outside."""
    shave: FloatVector
    """SHAVE (I - A)^-1 1: how far below a solution its checking round starts (the
    solutions fall by (I - A)^-1 1 for a shortfall of 1 in every equation)."""
    within: FloatMatrix
    """A: the weights of the calls between the cycle's services."""
    exits: FloatMatrix
    """E: the weights of the calls to the services outside that `outside` reads."""
    local: dict[int, int]
    """The place of each service in `nodes`."""

    @classmethod
    def of(cls, part: Sequence[int], index: CallIndex) -> Cycle | None:
        """The solver of the cycle `part`, None when (I - A) has no usable inverse."""
        import numpy  # noqa: PLC0415 - a question on a map without cycles never loads it

        nodes = tuple(sorted(part))
        local = {node: number for number, node in enumerate(nodes)}
        within = numpy.zeros((len(nodes), len(nodes)), dtype=numpy.float64)
        outside: dict[int, int] = {}
        calls_out: list[tuple[int, int, float]] = []
        for row, node in enumerate(nodes):
            for callee, weight in zip(index.callees[node], index.weights[node], strict=True):
                column = local.get(callee)
                if column is None:
                    out = outside.setdefault(callee, len(outside))
                    calls_out.append((row, out, weight))
                else:
                    within[row, column] += weight
        inverse = invert_m_matrix(numpy.identity(len(nodes)) - within)
        if inverse is None:
            return None
        exits = numpy.zeros((len(nodes), len(outside)), dtype=numpy.float64)
        for row, out, weight in calls_out:
            exits[row, out] += weight
        return cls(
            nodes=nodes,
            outside=reader(tuple(outside)),
            inverse=inverse,
            shave=SHAVE * inverse.sum(axis=1),
            within=within,
            exits=exits,
            local=local,
        )


def solve(cycle: Cycle, members: list[int], fixed: set[int], share: list[float]) -> bool:
    """Set the shares of `members`, the upstream services of `cycle`, if proved not too high.

    False when the solution cannot be proved below the fixed point: the shares of `members`
    are then to be worked out again. The proof is one round of the share equations from
    the solution lowered a little: the equations being monotone with one fixed point, a
    round that lowers no share from there starts below that point, and stays below it.
    """
    import numpy  # noqa: PLC0415 - loaded with the cycle's solver

    local = cycle.local
    pinned = sorted(local[node] for node in fixed if node in local)
    if len(members) + len(pinned) != len(cycle.nodes):
        return False
    incoming = cycle.exits @ numpy.array(cycle.outside(share), dtype=numpy.float64)
    solution = _linear(cycle, set(pinned), incoming)
    if solution is None:
        return False
    start = numpy.maximum(0.0, numpy.minimum(1.0, solution) - cycle.shave)
    if pinned:
        start[pinned] = 1.0  # the failed services keep their share of 1
    checked = cycle.within @ start
    checked += incoming
    numpy.minimum(checked, 1.0, out=checked)
    nodes: Sequence[int] = cycle.nodes
    if pinned:
        free = numpy.ones(len(nodes), dtype=bool)
        free[pinned] = False
        nodes = numpy.asarray(nodes)[free].tolist()
        checked, start = checked[free], start[free]
    if not bool((checked >= start).all()):  # a NaN fails too
        return False
    for node, value in zip(nodes, checked.tolist(), strict=True):
        share[node] = value
    return True


def _linear(cycle: Cycle, fixed: set[int], incoming: FloatVector) -> FloatVector | None:
    """The shares of the cycle by policy iteration: services pinned at 1 or solved linearly.

    `fixed` are the (local numbers of) failed services in the cycle, pinned throughout;
    `incoming` is E s, what each service gets from the shares outside.
    """
    import numpy  # noqa: PLC0415 - loaded with the cycle's solver

    free = cycle.inverse @ incoming
    if not fixed and not bool((free > 1.0).any()):
        return free  # nothing failed or capped within the cycle: the linear solution stands
    pins = fixed | set(numpy.flatnonzero(free > 1.0).tolist())
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


def settle(cycle: list[int], index: CallIndex, share: list[float]) -> None:
    """Climb to the shares of the services `cycle` of one cycle (nearest the targets first)."""
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
