"""Solving x = step(x) by iteration, sped up by Anderson mixing of the last few rounds."""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from operator import mul, sub

Vector = list[float]

REGULARISATION = 1e-10
"""Relative weight added to the diagonal of the mixing system, so that it is never singular."""


def fixed_point(
    step: Callable[[Vector], Vector],
    start: Vector,
    *,
    tolerance: float,
    max_rounds: int,
    memory: int = 5,
    bounds: tuple[float, float] = (0.0, 1.0),
) -> Vector:
    """The x with step(x) = x, once a round moves no value by more than `tolerance`.

    Each round takes step(x), then mixes in the last `memory` rounds' results so as to
    cancel their changes (Anderson acceleration, "type II"), keeping values in `bounds`.
    For a linear step this finds in a few rounds what plain iteration reaches in hundreds.
    """
    low, high = bounds
    current = start
    last: tuple[Vector, Vector] | None = None
    output_steps: list[Vector] = []
    change_steps: list[Vector] = []
    gram: list[Vector] = []
    for _round in range(max_rounds):
        output = step(current)
        change = list(map(sub, output, current))
        if not change or max(map(abs, change)) <= tolerance:
            return output
        if last is not None:
            output_steps.append(list(map(sub, output, last[0])))
            change_steps.append(list(map(sub, change, last[1])))
            _extend(gram, change_steps, memory)
            if len(change_steps) > memory:
                del output_steps[0], change_steps[0]
        last = (output, change)
        weights = _solve(gram, [_dot(row, change) for row in change_steps])
        mixed = output
        for weight, difference in zip(weights, output_steps, strict=True):
            mixed = list(map(sub, mixed, map(mul, repeat(weight), difference)))
        current = [min(high, max(low, value)) for value in mixed]
    return current


def _dot(left: Vector, right: Vector) -> float:
    total: float = sum(map(mul, left, right))
    return total


def _extend(gram: list[Vector], steps: list[Vector], memory: int) -> None:
    """Grow the Gram matrix of `steps` by their newest, dropping the oldest past `memory`."""
    newest = steps[-1]
    products = [_dot(step, newest) for step in steps]
    for row, product in zip(gram, products, strict=False):
        row.append(product)
    gram.append(products)
    gram[-1][-1] *= 1.0 + REGULARISATION
    if len(gram) > memory:
        del gram[0]
        for row in gram:
            del row[0]


def _solve(matrix: list[Vector], right: Vector) -> Vector:
    """Solve a small linear system by Gaussian elimination; zeros when it is singular."""
    size = len(right)
    rows = [[*row, value] for row, value in zip(matrix, right, strict=True)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda row: abs(rows[row][column]))
        if rows[pivot][column] == 0.0:
            return [0.0] * size
        rows[column], rows[pivot] = rows[pivot], rows[column]
        for row in rows[column + 1:]:
            factor = row[column] / rows[column][column]
            for position in range(column, size + 1):
                row[position] -= factor * rows[column][position]
    solution = [0.0] * size
    for row_number in reversed(range(size)):
        row = rows[row_number]
        known = sum(row[position] * solution[position] for position in range(row_number + 1, size))
        solution[row_number] = (row[size] - known) / row[row_number]
    return solution
