"""Minutes read as columns make the very series the rows made into objects make."""

from __future__ import annotations

import random
from operator import itemgetter

import pytest

from bot.adapters.store.rows import (
    EDGE_VALUES,
    SERVICE_VALUES,
    edge_stats,
    in_time_order,
    service_stats,
    timings_and_incoming,
)
from topology.rca.minute_columns import (
    edge_series_of_minutes,
    health_of_minutes,
    minute_columns,
    tables_of,
    timings_of_minutes,
)
from topology.rca.series import edge_key, edge_series, served_series, steps, timing_series
from topology.stats import HISTOGRAM_SIZE, TIMING_VALUES

T0 = 1_790_000_040 - 1_790_000_040 % 60
TIMES = steps(T0, T0 + 19 * 60)
NAMES = [f"n{i}" for i in range(7)]
SUMS = (0.1, 0.2, 0.7, 1e-3, 3.3, 1e16, 12.25)
"""Milliseconds whose sum depends on the order they are added in."""


def _rng(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - reproducible test data, not secrets


def _row(rng: random.Random, parent: str, child: str, start: int) -> tuple[object, ...]:
    histogram = [rng.choice((0, 0, 1, 3, 40)) for _ in range(HISTOGRAM_SIZE)]
    count = rng.choice((0, sum(histogram), sum(histogram) + 1))
    calls = rng.randint(0, 60)
    return (
        parent,
        child,
        start,
        calls,
        rng.randint(0, 80),
        rng.choice(SUMS),
        count,
        rng.choice(SUMS),
        rng.choice((0, 1, 3)),
        rng.choice(SUMS),
        rng.choice((0, 1, 3)),
        *histogram,
    )


def _rows(rng: random.Random) -> list[tuple[object, ...]]:
    """Minutes of random edges (self-calls among them), some off the grid, in random order."""
    edges = {(rng.choice(NAMES), rng.choice(NAMES)) for _ in range(rng.randint(1, 25))}
    rows = []
    for parent, child in edges:
        starts = rng.sample([*TIMES, T0 - 60, T0 + 30, T0 + 3_600], rng.randint(1, 12))
        rows += [_row(rng, parent, child, start) for start in starts]
        if rng.random() < 0.2:  # a minute read twice: no store holds one, but it is told
            rows.append(_row(rng, parent, child, starts[0]))
    rng.shuffle(rows)
    return rows


def _chunks(rng: random.Random, rows: list[tuple[object, ...]]) -> list[list[tuple[object, ...]]]:
    """The rows as a store reads them by chunks of names: an edge between two comes twice."""
    names = sorted(NAMES)
    cut = rng.randint(0, len(names))
    chunks = [set(names[:cut]), set(names[cut:])]
    return [[row for row in rows if {row[0], row[1]} & chunk] for chunk in chunks]


def _as_objects(chunks, wanted, served):
    """What a store's `calls_around` reads, made into series as ranking makes them."""
    found: dict[tuple[str, str], list[tuple[object, ...]]] = {}
    for chunk in chunks:
        part: dict[tuple[str, str], list[tuple[object, ...]]] = {}
        for row in chunk:
            part.setdefault((row[0], row[1]), []).append(row)
        for key, points in part.items():
            found.setdefault(key, points)
    timings, incoming = timings_and_incoming(found, wanted, served)
    unserved = {name: points for name, points in incoming.items() if name not in served}
    return served_series({}, unserved, TIMES), timing_series(timings, TIMES)


def _edge_minutes(chunks, names):
    return minute_columns(chunks, names, keyed_by=2)


def _batched(rows, size):
    return [rows[at : at + size] for at in range(0, len(rows), size)]


@pytest.mark.parametrize("seed", range(60))
def test_the_series_are_those_of_the_rows_made_into_objects(seed):
    rng = _rng(seed)
    chunks = _chunks(rng, _rows(rng))
    wanted = rng.choice([None, rng.sample(NAMES, rng.randint(0, len(NAMES)))])
    served = rng.sample(NAMES, rng.randint(0, 3))
    size = rng.choice((1, 3, 1_000))

    minutes = _edge_minutes([_batched(chunk, size) for chunk in chunks], EDGE_VALUES)
    health, timings = tables_of(minutes, TIMES, wanted=wanted, served=served).series()

    expected_health, expected_timings = _as_objects(chunks, wanted, served)
    assert health == expected_health
    assert list(health) == list(expected_health)
    assert timings == expected_timings
    assert list(timings) == list(expected_timings)


def test_the_calls_into_a_node_are_added_in_its_callers_order():
    """Read the callers last first, the sum is still that of adding them first to last."""
    rows = []
    for caller, ms in (("p0", 1.0), ("p1", 1.0), ("p2", 1e16)):
        row = list(_row(_rng(0), caller, "db", T0))
        row[5:7] = [ms, 1]  # the latency sum and count
        rows.append(tuple(row))

    minutes = _edge_minutes([[rows[::-1]]], EDGE_VALUES)
    health, _ = tables_of(minutes, TIMES, wanted=None, served=[]).series()

    assert health["db"].metrics["latency_avg_ms"][0] == round((1.0 + 1.0 + 1e16) / 3, 3)
    assert (1e16 + 1.0) + 1.0 != 1.0 + 1.0 + 1e16  # the order tells


def test_no_rows_make_no_series():
    minutes = _edge_minutes([[], [[]]], EDGE_VALUES)

    assert tables_of(minutes, TIMES, wanted=None, served=[]).series() == ({}, {})


def test_a_node_served_or_not_wanted_gets_no_series_of_its_calls():
    rows = [_row(_rng(1), "a", "b", T0), _row(_rng(2), "b", "c", T0)]
    minutes = _edge_minutes([[rows]], EDGE_VALUES)

    health, timings = tables_of(minutes, TIMES, wanted=["b", "c"], served=["c"]).series()

    assert list(health) == ["b"]
    assert list(timings) == ["a->b", "b->c"]


def _service_rows(rng: random.Random) -> list[tuple[object, ...]]:
    """Minutes of random services, some off the grid, now and then one read twice."""
    rows = []
    for name in rng.sample(NAMES, rng.randint(1, len(NAMES))):
        starts = rng.sample([*TIMES, T0 - 60, T0 + 30, T0 + 3_600], rng.randint(1, 12))
        if rng.random() < 0.3:  # a minute read twice: the later counts
            starts.append(starts[0])
        for start in starts:
            row = _row(rng, name, "", start)
            rows.append((name, start, *row[3:7], *row[11:]))  # SERVICE_VALUES' order
    rng.shuffle(rows)
    return rows


def _as_columns(rng: random.Random, rows, names, keyed_by):
    """`rows` read as columns, in batches of a random size."""
    return minute_columns([_batched(rows, rng.choice((1, 4, 1_000)))], names, keyed_by=keyed_by)


def _grouped(rows, key, point):
    """Each row made a point, listed by key in the order read."""
    found: dict[object, list[object]] = {}
    for row in rows:
        found.setdefault(key(row), []).append(point(row))
    return found


_NAME = itemgetter(0)
_EDGE = itemgetter(0, 1)


def _same(found, expected):
    """The same series, in the same order, each with its metrics in the same order."""
    assert found == expected
    assert list(found) == list(expected)
    assert [list(s.metrics) for s in found.values()] == [list(s.metrics) for s in expected.values()]


@pytest.mark.parametrize("seed", range(40))
def test_the_services_health_is_that_of_their_buckets_made_into_objects(seed):
    rng = _rng(seed)
    rows = _service_rows(rng)

    minutes = _as_columns(rng, rows, SERVICE_VALUES, keyed_by=1)

    points = _grouped(
        rows, lambda row: row[0], lambda row: (row[1], service_stats(row[0], row[2:]))
    )
    _same(health_of_minutes(minutes, TIMES), served_series(in_time_order(points), {}, TIMES))


@pytest.mark.parametrize("seed", range(40))
def test_the_timings_alone_are_those_of_the_edges_timings_made_into_objects(seed):
    rng = _rng(seed)
    at = [3 + EDGE_VALUES.index(name) for name in TIMING_VALUES]
    rows = [(*row[:3], *(row[place] for place in at)) for row in _rows(rng)]

    minutes = _as_columns(rng, rows, TIMING_VALUES, keyed_by=2)

    timings = _grouped(rows, _EDGE, lambda row: tuple(row[2:]))
    expected = timing_series(dict(sorted(timings.items())), TIMES)
    _same(timings_of_minutes(minutes, TIMES), expected)


@pytest.mark.parametrize("seed", range(40))
def test_the_edges_whole_series_are_those_of_their_buckets_made_into_objects(seed):
    rng = _rng(seed)
    rows = _rows(rng)

    minutes = _as_columns(rng, rows, EDGE_VALUES, keyed_by=2)

    points = _grouped(
        rows,
        _EDGE,
        lambda row: (row[2], edge_stats(row[0], row[1], None, row[3:])),
    )
    by_key = {
        edge_key(*key): edge_series(sorted(found, key=lambda point: point[0]), TIMES)
        for key, found in points.items()
    }
    _same(edge_series_of_minutes(minutes, TIMES), dict(sorted(by_key.items())))


def test_a_block_of_columns_is_those_columns_side_by_side_in_the_order_asked():
    rows = [[("a", T0, 1.0, 2.0, 3.0, 4.0)], [("b", T0 + 60, 5.0, 6.0, 7.0, 8.0)]]
    minutes = minute_columns([rows], ("w", "x", "y", "z"), keyed_by=1)

    read_together = minutes.block(("x", "y"))
    apart = minutes.block(("z", "w"))

    assert read_together.tolist() == [[2.0, 3.0], [6.0, 7.0]]
    assert read_together.base is not None  # a view of the table, not a copy
    assert apart.tolist() == [[4.0, 1.0], [8.0, 5.0]]
    assert minutes.block(("w", "x", "y", "z")).tolist() == minutes.table.tolist()
