import math

from hypothesis import given
from hypothesis import strategies as st

from topology.signals import metrics
from topology.signals.metrics import CUMULATIVE, DELTA, Cumulatives, Sample, reduce
from topology.signals.model import MetricExport

NS = 1_000_000_000
T0 = 1_700_000_040


def sample(value, at, *, kind=metrics.SUM, monotonic=True, temporality=CUMULATIVE, start=T0 - 60):
    return Sample("svc", "m", kind, monotonic, temporality, (), start * NS, at * NS, value)


def values(samples, cumulatives=None):
    export = MetricExport()
    reduce(samples, cumulatives or Cumulatives(), export)
    return [(point.minute, point.value) for point in export.points], export


def test_a_cumulative_sum_becomes_a_rate_between_consecutive_points():
    found, export = values([sample(160.0, T0 + 60), sample(100.0, T0), sample(280.0, T0 + 120)])
    assert found == [(T0 + 60, 1.0), (T0 + 120, 2.0)]
    assert export.skipped == 1


def test_the_rate_carries_across_exports_through_the_memory():
    memory = Cumulatives()
    values([sample(100.0, T0)], memory)
    found, _ = values([sample(130.0, T0 + 60)], memory)
    assert found == [(T0 + 60, 0.5)]


def test_a_reset_gives_no_rate():
    found, _ = values([sample(100.0, T0), sample(5.0, T0 + 60)])
    assert found == []


def test_a_delta_sum_is_a_rate_over_its_interval():
    found, _ = values([sample(30.0, T0 + 60, temporality=DELTA, start=T0)])
    assert found == [(T0 + 60, 0.5)]


def test_gauges_and_up_down_sums_are_their_values():
    found, _ = values([sample(7.0, T0, monotonic=False), sample(2.5, T0, kind=metrics.GAUGE)])
    assert sorted(found) == [(T0, 2.5), (T0, 7.0)]


def test_absurd_times_and_non_finite_values_are_refused_and_counted():
    found, export = values(
        [
            sample(1.0, 10**16, kind=metrics.GAUGE),
            sample(math.nan, T0, kind=metrics.GAUGE),
            sample(1.0, 0, kind=metrics.GAUGE),
        ]
    )
    assert found == []
    assert export.refused.count == 3


def test_the_memory_of_series_is_bounded():
    memory = Cumulatives(size=10)
    for i in range(100):
        memory.rate(Sample("svc", f"m{i}", metrics.SUM, True, CUMULATIVE, (), 0, T0 * NS, 1.0))
    assert len(memory._last) == 10


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=-(2**70), max_value=2**70),
            st.floats(allow_nan=True, allow_infinity=True),
        ),
        max_size=40,
    )
)
def test_any_points_give_finite_values_or_are_counted(points):
    samples = [
        Sample("svc", "m", metrics.SUM, True, CUMULATIVE, (), 0, at, value) for at, value in points
    ]
    export = MetricExport()
    reduce(samples, Cumulatives(), export)
    assert all(math.isfinite(point.value) for point in export.points)
    assert len(export.points) + export.refused.count + export.skipped == len(points)
