"""Prometheus `le` buckets mapped onto svcmap's latency histogram."""

from __future__ import annotations

import math

from bot.adapters.sources.histogram import latency_histogram
from topology.stats import HISTOGRAM_SIZE, LATENCY_BOUNDS_MS

INF = math.inf


def test_buckets_on_svcmap_bounds_map_exactly():
    cumulative = [(bound / 1000, float(index + 1)) for index, bound in enumerate(LATENCY_BOUNDS_MS)]

    histogram = latency_histogram([*cumulative, (INF, len(LATENCY_BOUNDS_MS) + 1.0)])

    assert histogram == [1] * HISTOGRAM_SIZE


def test_counts_inside_a_wide_bucket_are_spread_evenly():
    histogram = latency_histogram([(0.1, 0.0), (0.2, 100.0), (INF, 100.0)])

    assert histogram == [0] * 7 + [100] + [0] * 8


def test_counts_are_split_where_a_svcmap_bound_falls_inside_a_bucket():
    histogram = latency_histogram([(0.05, 0.0), (0.15, 100.0), (INF, 100.0)])

    assert histogram[LATENCY_BOUNDS_MS.index(100)] == 50
    assert histogram[LATENCY_BOUNDS_MS.index(250)] == 50


def test_the_first_bucket_starts_at_zero():
    histogram = latency_histogram([(0.004, 40.0), (INF, 40.0)])

    assert histogram[:3] == [10, 10, 20]


def test_calls_above_the_largest_bound_go_just_above_it():
    histogram = latency_histogram([(0.5, 10.0), (INF, 15.0)])

    assert sum(histogram[: LATENCY_BOUNDS_MS.index(500) + 1]) == 10
    assert histogram[LATENCY_BOUNDS_MS.index(1_000)] == 5
    assert sum(histogram) == 15


def test_calls_slower_than_svcmaps_last_bound_go_to_the_overflow_bucket():
    histogram = latency_histogram([(120.0, 3.0), (INF, 3.0)])

    assert histogram[-1] == 1
    assert sum(histogram) == 3


def test_fractional_increases_round_without_losing_or_inventing_calls():
    histogram = latency_histogram([(0.002, 1.4), (0.01, 2.6), (0.1, 7.5), (INF, 9.49)])

    assert sum(histogram) == 9
    assert all(count >= 0 for count in histogram)


def test_a_dip_in_the_cumulative_counts_is_evened_out():
    histogram = latency_histogram([(0.01, 5.0), (0.1, 4.0), (INF, 6.0)])

    assert all(count >= 0 for count in histogram)
    assert sum(histogram) == 6


def test_no_calls_and_no_buckets_give_an_empty_histogram():
    assert latency_histogram([]) == [0] * HISTOGRAM_SIZE
    assert latency_histogram([(0.1, 0.0), (INF, 0.0)]) == [0] * HISTOGRAM_SIZE
    assert latency_histogram([(0.1, math.nan), (INF, -1.0)]) == [0] * HISTOGRAM_SIZE
