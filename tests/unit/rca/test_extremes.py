"""Series judged together from their extremes get the verdicts of judging each alone."""

import random
from dataclasses import replace
from unittest.mock import patch

from hypothesis import example, given, settings
from hypothesis import strategies as st

from topology.rca import extremes, gather, slower
from topology.rca.edges import GAP, gap_evidence, own_time_evidence
from topology.rca.extremes import extremes as extremes_of
from topology.rca.gather import gather as gather_all
from topology.rca.metrics import METRIC_INFO
from topology.rca.scoring import Family, Positions, _may_reach, reach
from topology.rca.slower import slower as slower_alone
from topology.rca.slower import slower_together
from topology.rca.snapshot import Series, Window

from .factories import BASELINE_STEPS, INCIDENT_STEPS, snapshot

STEPS = BASELINE_STEPS + INCIDENT_STEPS

value = st.one_of(
    st.floats(-5.0, 50.0),
    st.sampled_from([0.0, 1.0, 2.0, 8.0, 10.0, 50.0, 0.05, 7.999999999999999]),
    st.integers(-3, 100),
    st.just(None),
    st.just(float("inf")),
    st.just(float("-inf")),
)
metric = st.sampled_from([*METRIC_INFO.values(), GAP])


@st.composite
def rows(draw: st.DrawFn) -> tuple[list[list[float | None]], list[tuple[range, range]]]:
    """Rows on a few windows, some of them shorter than their windows."""
    found, windows = [], []
    for _ in range(draw(st.integers(1, 4))):
        width = draw(st.integers(0, 10))
        split = draw(st.integers(0, width))
        steps = (range(split), range(split, draw(st.integers(split, width))))
        for _ in range(draw(st.integers(0, 4))):
            row = draw(st.lists(value, min_size=width, max_size=width))
            if draw(st.integers(0, 5)) == 0:
                row = row[: draw(st.integers(0, width))]
            found.append(row)
            windows.append(steps)
    return found, windows


@settings(max_examples=300, deadline=None)
@given(rows(), st.data(), st.sampled_from([0.0, 0.5, 2.0, 8.0, -1.0]))
@example(([[0.0, 8.0]], [(range(1), range(1, 2))]), None, 8.0)  # just at the reach
def test_a_verdict_from_the_extremes_is_the_one_judging_the_series_alone_gives(
    judged, data, cutoff
):
    found, windows = judged
    metrics = [METRIC_INFO["latency_avg_ms"]] * len(found)
    if data is not None:
        metrics = [data.draw(metric) for _ in found]

    verdicts = extremes_of(found, windows).reach(metrics, cutoff)

    alone = [
        reach(values, *steps, one, cutoff)
        for values, steps, one in zip(found, windows, metrics, strict=True)
    ]
    assert [v for v in verdicts if v is not None] == [
        a for v, a in zip(verdicts, alone, strict=True) if v is not None
    ]
    assert all(v is None for v, a in zip(verdicts, alone, strict=True) if a is None)


@settings(max_examples=300, deadline=None)
@given(rows(), st.data(), st.sampled_from([0.5, 2.0, 8.0]))
def test_a_verdict_from_the_measured_extremes_is_the_first_judgement_of_the_score(
    judged, data, cutoff
):
    """Read `measured`: `robust_score`'s first check on the values measured in each window.

    Rows of one length on their windows are all judged, or told unmeasured; rows of
    several lengths may be left to the full reading (None), never judged otherwise.
    """
    found, windows = judged
    metrics = [data.draw(metric) for _ in found]

    screen = extremes_of(found, windows, measured=True)
    verdicts = screen.reach(metrics, cutoff)

    lengths = {}
    for values, steps in zip(found, windows, strict=True):
        lengths.setdefault(steps, set()).add(len(values))
    for values, (before, during), one, verdict, empty in zip(
        found, windows, metrics, verdicts, screen.unmeasured.tolist(), strict=True
    ):
        baseline = [v for v in values[before.start : before.stop] if v is not None]
        incident = [v for v in values[during.start : during.stop] if v is not None]
        fits = len(values) >= max(before.stop, during.stop) and len(before) and len(during)
        if verdict is not None:
            assert verdict == _may_reach(baseline, incident, one, cutoff)
        if empty:
            assert fits
            assert not (baseline and incident)
        if fits and len(lengths[(before, during)]) == 1:  # read with its like
            assert (verdict is not None) == bool(baseline and incident)
            assert empty == (not (baseline and incident))


def test_rows_are_judged_when_their_windows_hold_numbers_only():
    found = [[1.0, 2.0, 30.0], [1.0, None, 30.0], [1.0, 2.0, None], [1.0, 2.0]]
    windows = [(range(2), range(2, 3))] * 3 + [(range(1), range(1, 3))]

    assert extremes_of(found, windows).judged.tolist() == [True, False, False, False]


def test_rows_packed_in_small_chunks_get_the_verdicts_of_one_chunk(monkeypatch):
    rng = random.Random(5)  # noqa: S311 - made-up numbers, not secrets
    found = [[rng.gauss(10, 1) for _ in range(12)] for _ in range(50)]
    windows = [(range(10), range(10, 12))] * 50
    metrics = [GAP] * 50
    whole = extremes_of(found, windows).reach(metrics, 2.0)
    monkeypatch.setattr(extremes, "VALUES", 30)

    assert extremes_of(found, windows).reach(metrics, 2.0) == whole
    assert None not in whole


@st.composite
def latencies(draw: st.DrawFn) -> list[Series]:
    """Services' average latency on shared minutes, a few with gaps or other lengths."""
    width = draw(st.integers(1, 9))
    t = tuple(float(i * 60) for i in range(width))
    found = []
    for _ in range(draw(st.integers(1, 6))):
        values = draw(st.lists(value, min_size=width, max_size=width))
        if draw(st.integers(0, 5)) == 0:
            values = values[: draw(st.integers(0, width))]
        found.append(Series(t, {"latency_avg_ms": tuple(values)} if values else {}))
    return found


@settings(max_examples=300, deadline=None)
@given(latencies(), st.integers(0, 9), st.sampled_from([0.0, 1.0, 8.0, 8.5]))
@example([Series((0.0, 60.0, 120.0), {"latency_avg_ms": (1.0, 3.0, 9.0)})], 1, 8.0)
@example([Series((0.0, 60.0, 120.0), {"latency_avg_ms": (1.0, 2.0, 9.0, 9.0)})], 2, 8.0)
def test_services_judged_slower_together_are_those_judged_slower_alone(served, split, grown):
    width = len(served[0].t)
    split = min(split, width)
    positions = Positions(Window(0, (split - 1) * 60), Window(split * 60, width * 60))

    with patch.object(slower, "SCREENED_FROM", 0):
        together = slower_together(served, grown, positions)

    assert together == [slower_alone(series, grown, positions) for series in served]


def large_map(rng: random.Random, services: int, *, quantiles: bool = False):
    """Services calling the next two, a few slowed in themselves or on their calls in.

    With `quantiles`, each also has a p90 latency: measured in no minute (too few requests),
    but in a few minutes for every 5th service, and every 41st slowed.
    """
    names = [f"svc-{i:04d}" for i in range(services)]
    t = tuple(float(i * 60) for i in range(STEPS))

    def steady(level: float) -> list[float]:
        return [rng.gauss(level, level / 20) for _ in t]

    health, calls, pairs = {}, {}, []
    for i, name in enumerate(names):
        latency = steady(50.0)
        if i % 41 == 0:
            latency[BASELINE_STEPS:] = [400.0] * INCIDENT_STEPS
        if i % 43 == 0 or i % 82 == 0:  # a gap: in a slowed service's baseline too
            latency[i % BASELINE_STEPS] = None
        metrics = {"latency_avg_ms": tuple(latency), "requests": tuple(steady(100.0))}
        if quantiles:
            p90: list[float | None] = [None] * STEPS
            if i % 5 == 0:
                p90[i % BASELINE_STEPS] = p90[-1] = 80.0
            if i % 41 == 0:
                p90[BASELINE_STEPS:] = [900.0] * INCIDENT_STEPS
            metrics["latency_p90_ms"] = tuple(p90)
        health[name] = Series(t, metrics)
        for child in names[i + 1 : i + 3]:
            gap = steady(3.0)
            if i % 37 == 0:
                gap[BASELINE_STEPS:] = [90.0] * INCIDENT_STEPS
            if i % 74 == 0:
                gap[i % BASELINE_STEPS] = None
            calls[f"{name}->{child}"] = Series(
                t,
                {
                    "requests": tuple(steady(30.0)),
                    "latency_avg_ms": tuple(steady(5.0)),
                    "network_ms": tuple(gap),
                },
            )
            pairs.append((name, child))
    frame = snapshot(pairs, health)
    return replace(frame, edge_series=calls)


def screened(monkeypatch, *, from_rows: int) -> None:
    """Judge the series together from `from_rows` series on (from none: always)."""
    for module in (extremes, slower):
        monkeypatch.setattr(module, "SCREENED_FROM", from_rows)


def test_a_maps_evidence_judged_together_is_what_judging_each_series_alone_finds(monkeypatch):
    frame = large_map(random.Random(3), 1_000)  # noqa: S311 - made-up numbers, not secrets
    names = list(frame.series)
    screened(monkeypatch, from_rows=0)
    together = gather_all(frame, names, Family.LATENCY, 8.0)
    screened(monkeypatch, from_rows=10**9)

    alone = gather_all(frame, names, Family.LATENCY, 8.0)

    assert together == alone
    assert len(together.gaps) >= 50  # the calls out of every 37th service
    assert len(together.evidence) >= 50


def test_latencies_measured_in_no_minute_are_screened_out_as_they_have_no_score(monkeypatch):
    frame = large_map(random.Random(6), 1_000, quantiles=True)  # noqa: S311 - made-up numbers
    names = list(frame.series)
    read = []
    scores = gather.metric_scores

    def reading(series, *args, **kwargs):
        read.append(series)
        return scores(series, *args, **kwargs)

    monkeypatch.setattr(gather, "metric_scores", reading)
    screened(monkeypatch, from_rows=0)
    together = gather_all(frame, names, Family.LATENCY, 8.0)
    read_together = len(read)
    screened(monkeypatch, from_rows=10**9)

    alone = gather_all(frame, names, Family.LATENCY, 8.0)

    assert together == alone
    assert len(together.evidence) >= 25  # every 41st slowed, and the calls of every 37th
    assert read_together < len(read) / 5  # the unmeasured p90s did not keep their services


def test_extremes_of_the_measured_values_are_what_the_score_first_judges():
    found = [[1.0, None, 30.0], [None, None, 30.0], [1.0, 2.0, None], [None, 9.0, 9.5], [1.0]]
    windows = [(range(2), range(2, 3))] * 4 + [(range(1), range(1, 3))]

    screen = extremes_of(found, windows, measured=True)

    assert screen.judged.tolist() == [True, False, False, True, False]
    assert screen.unmeasured.tolist() == [False, True, True, False, False]  # too short: unread
    assert screen.low_before.tolist()[:1] == [1.0]
    assert screen.high_before.tolist()[3] == 9.0
    assert screen.reach([METRIC_INFO["latency_avg_ms"]] * 5, 8.0) == [True, None, None, False, None]


def test_own_time_and_gaps_judged_together_are_those_judged_alone(monkeypatch):
    frame = large_map(random.Random(4), 1_000)  # noqa: S311 - made-up numbers, not secrets
    names = set(frame.series)
    screened(monkeypatch, from_rows=0)
    together = (own_time_evidence(frame, names, 8.0), gap_evidence(frame, names, 8.0))
    screened(monkeypatch, from_rows=10**9)

    assert (own_time_evidence(frame, names, 8.0), gap_evidence(frame, names, 8.0)) == together
    assert len(together[0]) >= 20  # the services slowed in themselves
