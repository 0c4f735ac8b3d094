"""Many series worked out at once give the numbers worked out one at a time."""

import random

import numpy
from hypothesis import given
from hypothesis import strategies as st

from topology.rca import series
from topology.rca.columns import cells_of, rounded
from topology.rca.many_series import CHUNK
from topology.rca.series import served_series, service_series, steps, timing_series
from topology.stats import HISTOGRAM_SIZE, Latency, ServiceStats

T0 = 1_777_600_020
halves = st.integers(-(10**9), 10**9).map(lambda k: (k + 0.5) / 1000)
fourths = st.integers(0, 10**9).map(lambda k: k / 10_000)
anything = st.floats(allow_nan=False) | st.floats(-1e6, 1e6) | halves | fourths


@given(st.lists(anything, min_size=1, max_size=50))
def test_rounding_many_at_once_gives_the_doubles_python_rounds_to(values):
    got = rounded(numpy.array(values), 3).tolist()

    assert [repr(value) for value in got] == [repr(round(value, 3)) for value in values]


def test_halves_that_are_not_quite_halves_round_as_python_rounds_them():
    values = [2.6745, 2.6755, 0.0005, 1.0005, 36.8965, 40.1655, -2.6745, 1e10 + 0.0005]

    got = rounded(numpy.array(values).reshape(2, 4), 3).reshape(-1).tolist()

    assert got == [round(value, 3) for value in values]


def test_a_cell_given_twice_keeps_its_later_value_in_any_order():
    cells, keep = cells_of([5, 2, 5, 7, 2, 2])

    assert cells[keep].tolist() == [5, 7, 2]
    assert numpy.flatnonzero(keep).tolist() == [2, 3, 5]


def test_cells_given_once_in_order_are_all_kept():
    cells, keep = cells_of([0, 3, 4, 9])

    assert keep.all()
    assert cells.tolist() == [0, 3, 4, 9]


def _bucket(rng):
    histogram = [rng.choice((0, 0, 1, 3, 40)) for _ in range(HISTOGRAM_SIZE)]
    count = rng.choice((0, sum(histogram), sum(histogram) + 1))
    total_ms = round(rng.uniform(0, 5_000), 4)
    requests = rng.randint(0, 60)
    return ServiceStats("svc", requests, rng.randint(0, 80), Latency(histogram, total_ms, count))


def _timing(rng, start):
    sides = (round(rng.uniform(0, 900), 4), rng.choice((0, 1, 3)))
    server = (round(rng.uniform(0, 900), 4), rng.choice((0, 1, 3)))
    latency = (round(rng.uniform(0, 900), 4), rng.choice((0, 2)))
    return (start, rng.randint(0, 9), *latency, *sides, *server)


def _starts(rng, times):
    """Some of `times` and some outside them, in order; now and then one read twice."""
    starts = sorted(rng.sample([*times, times[0] - 60, times[-1] + 3_600], rng.randint(0, 8)))
    if starts and rng.random() < 0.2:
        starts.append(starts[-1])
    return starts


def test_a_large_map_gives_each_service_the_series_worked_out_a_minute_at_a_time(monkeypatch):
    rng = random.Random(3)  # noqa: S311 - reproducible data, not secrets
    times = steps(T0, T0 + 9 * 60)
    services = {
        f"svc-{n:04d}": [(t, _bucket(rng)) for t in _starts(rng, times)] for n in range(530)
    }
    incoming = {f"idle-{n}": [(t, _bucket(rng)) for t in _starts(rng, times)] for n in range(9)}
    incoming["svc-0001"] = [(times[0], _bucket(rng))]  # served itself: its own series counts
    by_minute = served_series(services, incoming, times)
    monkeypatch.setattr(series, "TOGETHER_FROM", 0)

    together = served_series(services, incoming, times)

    assert len(services) > 2 * CHUNK  # some whole chunks, and a part of one
    assert list(together) == list(by_minute) == sorted({*services, *incoming})
    assert together == by_minute
    assert together["svc-0001"] == service_series(services["svc-0001"], times)


def test_the_timings_of_a_large_map_are_those_worked_out_a_minute_at_a_time(monkeypatch):
    rng = random.Random(5)  # noqa: S311 - reproducible data, not secrets
    times = steps(T0, T0 + 9 * 60)
    edges = {
        (f"a-{n}", f"b-{n % 7}"): [_timing(rng, t) for t in _starts(rng, times)] for n in range(600)
    }
    by_minute = timing_series(edges, times)
    monkeypatch.setattr(series, "TOGETHER_FROM", 0)

    together = timing_series(edges, times)

    assert list(together) == list(by_minute)
    assert together == by_minute


def test_counts_stay_whole_numbers(monkeypatch):
    monkeypatch.setattr(series, "TOGETHER_FROM", 0)
    times = steps(T0, T0 + 60)
    stats = ServiceStats("svc", 7, 1, Latency([0] * HISTOGRAM_SIZE, 0.0, 0))

    found = served_series({"svc": [(T0, stats)]}, {}, times)["svc"].metrics

    assert found["requests"] == (7, 0)
    assert [type(value) for value in found["requests"]] == [int, int]
