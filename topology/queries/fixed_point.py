"""Climbing to the least fixed point of a monotone round, from below, with safe jumps."""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from operator import sub
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:  # numpy is loaded by whoever makes a matrix: most maps have no cycle
    import numpy
    import numpy.typing

Vector = list[float]
FloatMatrix: TypeAlias = "numpy.typing.NDArray[numpy.float64]"

STEADY_ROUNDS = 3
STEADY = 0.01
"""A jump is tried once the total change shrank by ratios within 1% of each other
in the last three rounds."""

SLACK = 1e-12
"""How far below a jump a checking round may land and still confirm it (rounding)."""


def climb(
    step: Callable[[Vector], Vector],
    size: int,
    *,
    tolerance: float,
    max_rounds: int,
    ceiling: float = 1.0,
) -> Vector:
    """Iterate a monotone `step` from zeros until a round moves no value by over `tolerance`.

    `step` must never lower a value it is given unless that value lies above the least
    fixed point (true of a Gauss-Seidel round of a non-negative linear system). Every
    vector kept is then a lower bound of that fixed point. Once the total change shrinks by
    a steady ratio, the climb jumps each value to where its changes would add up to;
    the next round keeps the jump only if it lowers nothing (which proves the jump still
    lies below the fixed point), else the climb goes on from before it. Rounds also go on
    while values still leave zero.
    """
    safe = [0.0] * size
    trial: Vector | None = None
    before: Vector | None = None
    ratios: list[float] = []
    for _round in range(max_rounds):
        after = step(trial if trial is not None else safe)
        if trial is not None:
            if all(value >= -SLACK for value in map(sub, after, trial)):
                safe = after
            trial, before, ratios = None, None, []
            continue
        change = list(map(sub, after, safe))
        woke = any(old == 0.0 < new for new, old in zip(after, safe, strict=True))
        safe = after
        if max(map(abs, change), default=0.0) <= tolerance and not woke:
            break
        if before is not None:
            ratios.append(sum(change) / sum(before) if sum(before) > 0.0 else 0.0)
            if _steady(ratios):
                trial = list(map(_ahead, safe, change, before, repeat(ceiling)))
        before = change
    return safe


def _steady(ratios: list[float]) -> bool:
    """Whether the total change shrank by nearly the same ratio in the last rounds."""
    if len(ratios) < STEADY_ROUNDS:
        return False
    last = ratios[-STEADY_ROUNDS:]
    return min(last) > 0.0 and max(last) < 1.0 and max(last) - min(last) <= STEADY * max(last)


def _ahead(value: float, change: float, before: float, ceiling: float) -> float:
    """Where `value` ends if its changes keep shrinking by the ratio of the last two."""
    if not 0.0 < change < before:
        return value
    ratio = change / before
    return min(ceiling, value + change * ratio / (1.0 - ratio))


SMALLEST_PIVOT = 1e-9
"""An elimination pivot below this means the matrix is (nearly) not invertible as needed."""


def invert_m_matrix(matrix: FloatMatrix) -> FloatMatrix | None:
    """The inverse of `matrix` = I - A with A >= 0, or None unless its inverse is >= 0.

    Gauss-Jordan without row swaps, in place, a row operation at a time over the whole
    matrix. Such a matrix has an inverse with no negative entry exactly when the spectral
    radius of A is below 1, which is exactly when every pivot comes out positive.
    `matrix` is used up.
    """
    size = len(matrix)
    for k in range(size):
        pivot = float(matrix[k, k])
        if not pivot > SMALLEST_PIVOT:
            return None
        matrix[k, k] = 1.0
        pivot_row = matrix[k] * (1.0 / pivot)
        factors = matrix[:, k].copy()
        factors[k] = 0.0
        matrix[:, k] = 0.0
        matrix[k] = pivot_row
        matrix -= factors[:, None] * pivot_row
    if bool((matrix < 0.0).any()):
        return None
    return matrix


def solve_small(matrix: list[list[float]], rhs: list[float]) -> list[float] | None:
    """The x with `matrix` x = `rhs` (Gaussian elimination, partial pivoting), None if singular.

    Both arguments are used up.
    """
    size = len(rhs)
    for k in range(size):
        best = max(range(k, size), key=lambda i: abs(matrix[i][k]))
        if matrix[best][k] == 0.0:
            return None
        matrix[k], matrix[best] = matrix[best], matrix[k]
        rhs[k], rhs[best] = rhs[best], rhs[k]
        pivot_row = matrix[k]
        for i in range(k + 1, size):
            factor = matrix[i][k] / pivot_row[k]
            if factor:
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], pivot_row, strict=True)]
                rhs[i] -= factor * rhs[k]
    solution = [0.0] * size
    for k in reversed(range(size)):
        row = matrix[k]
        done = sum(row[j] * solution[j] for j in range(k + 1, size))
        solution[k] = (rhs[k] - done) / row[k]
    return solution
