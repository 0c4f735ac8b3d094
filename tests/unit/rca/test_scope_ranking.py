"""A snapshot cut to its symptom ranks as the whole one did, even where the cap cuts."""

import itertools
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.rca.factories import (
    INCIDENT_STEPS,
    latency,
    series,
    snapshot,
    wobble,
)
from topology.rca import load_snapshot, rank
from topology.rca.dump import dump_snapshot
from topology.rca.scope import around_symptom
from topology.rca.snapshot import Series, Snapshot, Symptom

LEVELS = (10.0, 10.0, 10.0, 14.0, 40.0, 300.0)
"""Incident latencies, baseline 10 ms: mostly unchanged, some a little off, some far."""


def steady(level: float, jump: float) -> list[float]:
    return [*wobble(level), *wobble(jump, INCIDENT_STEPS)]


@st.composite
def maps(draw: st.DrawFn) -> tuple[Snapshot, str, int]:
    """A map where each service calls some numbered after it, with faults here and there."""
    n = draw(st.integers(3, 14))
    names = [f"s{i:02d}" for i in range(n)]
    edges = sorted(
        {
            (names[parent], names[child])
            for child in range(1, n)
            for parent in draw(st.sets(st.integers(0, child - 1), min_size=1, max_size=2))
        }
    )
    health = {name: latency(10, draw(st.sampled_from(LEVELS))) for name in names}
    t = health[names[0]].t
    edge_series = {}
    for parent, child in edges:
        gap = draw(st.sampled_from((3.0, 3.0, 3.0, 6.0, 90.0)))
        edge_series[f"{parent}->{child}"] = Series(
            t,
            {
                "requests": tuple(steady(100.0, 100.0)),
                "latency_avg_ms": tuple(steady(4.0, 4.0)),
                "network_ms": tuple(steady(3.0, gap)),
            },
        )
    logs = {}
    for parent, child in edges:
        if draw(st.integers(0, 3)) == 0:
            rose = draw(st.sampled_from((1.0, 40.0)))
            logs[parent] = Series(
                t,
                {
                    f"template:no instances available for {child}": tuple(steady(1.0, rose)),
                    "level:ERROR": tuple(steady(2.0, draw(st.sampled_from((2.0, 30.0))))),
                },
            )
    metrics = {
        name: series(cpu=steady(0.3, draw(st.sampled_from((0.3, 0.9)))))
        for name in names
        if draw(st.booleans())
    }
    symptom = names[draw(st.integers(0, min(2, n - 1)))]
    whole = replace(
        snapshot(edges, health, symptom=Symptom(symptom, "latency")),
        edge_series=edge_series,
        logs=logs,
        metrics=metrics,
    )
    return whole, symptom, draw(st.integers(0, n)), draw(st.sampled_from(SIZES))


SIZES = (0, 30_000, 120_000, 10**9)


def saved(whole: Snapshot, cap: int, size: int = 10**9) -> Snapshot:
    cut = around_symptom(whole, cap=cap, size=size)
    return load_snapshot(dump_snapshot(cut), source="saved")


@settings(max_examples=150, deadline=None)
@given(maps())
def test_ranking_the_saved_snapshot_finds_what_the_whole_one_did_whatever_the_cap_and_size(drawn):
    whole, symptom, cap, size = drawn

    assert rank(saved(whole, cap, size), symptom) == rank(whole, symptom)
    written = len(dump_snapshot(around_symptom(whole, cap=cap, size=size)))
    needed = len(dump_snapshot(around_symptom(whole, cap=0, size=0)))
    assert written <= max(size, needed)


def chain(length: int, slow: int) -> Snapshot:
    """s00 -> s01 -> ... ; `slow` is slower in the incident, its call from before it too."""
    names = [f"s{i:02d}" for i in range(length)]
    edges = list(itertools.pairwise(names))
    health = {name: latency(10, 300 if name == names[slow] else 10) for name in names}
    whole = snapshot(edges, health, symptom=Symptom(names[0], "latency"))
    t = health[names[0]].t
    calls = {
        f"{p}->{c}": Series(
            t, {"network_ms": tuple(steady(3.0, 90.0 if c == names[slow] else 3.0))}
        )
        for p, c in edges
    }
    return replace(whole, edge_series=calls)


def test_where_the_cap_cuts_the_candidates_with_evidence_keep_their_series():
    whole = chain(40, slow=30)

    cut = around_symptom(whole, cap=5)

    assert {"s00", "s29", "s30"} <= set(cut.series)
    assert len(cut.series) == 5
    assert cut.omitted == {"beyond_cap": 35}
    assert len(cut.edges) == 39  # the map of the candidates stays whole
    assert rank(saved(whole, 5), "s00") == rank(whole, "s00")
    assert rank(whole, "s00").candidates[0].service == "s30"


def test_the_cap_counts_the_series_ranking_needs_first_and_keeps_them_past_it():
    whole = chain(40, slow=30)

    cut = around_symptom(whole, cap=0)

    assert set(cut.series) == {"s00", "s29", "s30"}
    assert rank(cut, "s00") == rank(whole, "s00")


def test_the_nearest_services_fill_the_room_under_the_cap_downstream_first():
    whole = chain(40, slow=30)
    upstream = replace(whole, symptom=Symptom("s10", "latency"))

    cut = around_symptom(upstream, cap=6)

    assert set(cut.series) == {"s10", "s29", "s30", "s11", "s12", "s13"}
    assert {e.parent for e in cut.edges} >= {"s00", "s09"}  # the blast radius is on the map


def test_the_nearest_series_are_kept_while_the_written_snapshot_fits_the_size():
    whole = chain(40, slow=30)
    needed = len(dump_snapshot(around_symptom(whole, size=0)))

    for size in (needed + 20_000, needed + 60_000, needed + 200_000):
        cut = around_symptom(whole, size=size)
        written = dump_snapshot(cut)
        assert len(written) <= size
        assert len(cut.series) > 3
        assert rank(load_snapshot(written, source="saved"), "s00") == rank(whole, "s00")
    assert len(around_symptom(whole, size=needed + 20_000).series) < len(
        around_symptom(whole, size=needed + 200_000).series
    )


def test_what_ranking_reads_is_kept_past_the_size():
    whole = chain(40, slow=30)

    cut = around_symptom(whole, size=0)

    assert set(cut.series) == {"s00", "s29", "s30"}
    assert cut.omitted == {"beyond_cap": 37}
