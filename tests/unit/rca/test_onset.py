"""A fault begun before the incident window is ranked from its start, against the time before."""

import math
import random
from dataclasses import replace

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from topology.rca import rank
from topology.rca.counts import rise_start
from topology.rca.metrics import METRIC_INFO
from topology.rca.onset import episode_onset
from topology.rca.scoring import adjoin, episode_start, robust_score
from topology.rca.snapshot import Series, Window

from .factories import BASELINE_STEPS, INCIDENT_STEPS, STEP, series, snapshot, wobble

STEPS = BASELINE_STEPS + INCIDENT_STEPS
EDGES = [("checkout", "payment"), ("payment", "stripe-api")]
P95 = METRIC_INFO["latency_p95_ms"]
AVAILABILITY = METRIC_INFO["availability_pct"]


def poisson(rng: random.Random, mean: float) -> float:
    """A Poisson count (Knuth's method: fine for the small means here)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return float(count)


def failing(since: int, share: float, rng: random.Random) -> dict[str, Series]:
    """100 requests a minute, one failing on average, then `share` of them from step `since`.

    stripe-api's failures fail payment's requests, and those fail checkout's, each with a
    few failures of its own.
    """
    served = wobble(100.0, STEPS)
    found = {}
    below = [0.0] * STEPS
    for name in ("stripe-api", "payment", "checkout"):
        if name == "stripe-api":
            errors = [poisson(rng, share * r if s >= since else 1.0) for s, r in enumerate(served)]
        else:
            errors = [failed + poisson(rng, 0.2) for failed in below]
        found[name] = series(
            requests=served,
            errors=errors,
            availability_pct=[100.0 * (1 - e / r) for e, r in zip(errors, served, strict=True)],
            latency_avg_ms=wobble(20.0, STEPS),
        )
        below = errors
    return found


def shop(since: int, share: float = 0.06, seed: int = 7):
    """stripe-api failing from `since`, and payment and checkout with it."""
    rng = random.Random(seed)  # noqa: S311 - repeatable noise, not a secret
    return snapshot(EDGES, failing(since, share, rng))


@pytest.mark.parametrize(("before", "share"), [(16, 0.06), (16, 0.1), (24, 0.06), (24, 0.1)])
def test_a_fault_begun_long_before_the_window_is_found_and_ranked_from_its_start(before, share):
    """6 or 10 failures a minute where one was usual, for 16 or 24 minutes before the window.

    Against a baseline holding those minutes, nothing stood out (a quarter or more of it
    failing as often as the incident does).
    """
    since = BASELINE_STEPS - before
    ranking = rank(shop(since, share), "checkout")

    assert ranking.began is not None
    # from the fault's first minutes (a change point read from noisy counts may be one off)
    assert (since - 1) * STEP <= ranking.began < BASELINE_STEPS * STEP
    assert [c.service for c in ranking.candidates][:1] == ["stripe-api"]


def test_when_the_episode_began_is_told():
    ranking = rank(shop(BASELINE_STEPS - 24), "checkout")

    assert ranking.to_dict()["began"] == "1970-01-01T00:36:00Z"


def test_a_fault_begun_with_the_window_changes_no_window():
    ranking = rank(shop(BASELINE_STEPS), "checkout")

    assert ranking.began is None
    assert "began" not in ranking.to_dict()
    assert [c.service for c in ranking.candidates][:1] == ["stripe-api"]


def test_an_earlier_episode_that_ended_is_the_baselines_and_no_onset():
    before = [*wobble(20.0, 30), *[400.0] * 10, *wobble(20.0, 20), *[400.0] * INCIDENT_STEPS]
    flapping = series(latency_p95_ms=before, requests=wobble(100.0, STEPS))

    assert episode_onset(snapshot(EDGES, {"checkout": flapping}), "checkout") is None


def test_a_level_episode_starts_where_its_run_of_far_off_steps_does():
    baseline = [*wobble(20.0, 50), *[400.0] * 10]

    assert episode_start(baseline, [410.0, 405.0, 390.0], P95) == 50
    assert episode_start(baseline, [20.0, 405.0, 390.0], P95) == 60  # the incident is not off
    one = [*wobble(20.0, 59), 400.0]
    assert episode_start(one, [410.0, 405.0], P95) == 60  # one step is no episode
    assert episode_start(wobble(20.0), [410.0, 405.0], P95) == 60


def test_a_level_episode_is_at_most_half_the_baseline():
    baseline = [*wobble(20.0, 31), *[400.0] * 29]

    assert episode_start(baseline, [410.0, 405.0], P95) == 31
    assert episode_start([*wobble(20.0, 29), *[400.0] * 31], [410.0, 405.0], P95) == 60


def test_a_falling_level_begins_an_episode_on_its_harmful_side():
    baseline = [*[99.9] * 50, *[60.0] * 10]

    assert episode_start(baseline, [55.0, 58.0], AVAILABILITY) == 50
    assert episode_start([*[99.9] * 50, *[100.0] * 10], [55.0, 58.0], AVAILABILITY) == 60


def test_a_counts_rise_starts_where_its_run_of_risen_minutes_does():
    usual = [(1.0, 100.0)] * 40
    risen = [(40.0, 100.0)] * 20

    assert rise_start([*usual, *risen], [(40.0, 100.0)] * 3) == 40
    assert rise_start([*usual, *risen], [(1.0, 100.0)] * 3) == 60  # the incident did not rise
    assert rise_start([*usual, *risen[:1]], [(40.0, 100.0)] * 3) == 41  # one minute: too short
    assert rise_start([*usual, (0.0, 0.0), *risen[:1]], [(40.0, 100.0)] * 3) == 42  # idle: no help
    assert rise_start([(0.0, 100.0)] * 60, [(1.0, 100.0)] * 3) == 60  # one failure is chance
    assert rise_start([*usual[:28], *risen, *risen[:12]], [(40.0, 100.0)] * 3) == 30  # half


GAP = METRIC_INFO["latency_p50_ms"]


def test_a_level_begun_in_the_baseline_scores_only_where_the_baseline_runs_up_to_the_window():
    """The demo's slow network into quote, 20 minutes on: its first 6 minutes in the baseline."""
    baseline = [*wobble(0.63, 114), *[430.0] * 6]
    incident = [420.0] * 15

    found = robust_score(baseline, incident, GAP, cutoff=8.0, adjoining=True)
    assert found is not None
    assert found.baseline == pytest.approx(0.63, rel=0.03)
    assert robust_score(baseline, incident, GAP, cutoff=8.0) is None  # read as its heavy tail


def test_a_baseline_kept_elsewhere_does_not_run_up_to_the_window():
    assert adjoin(Window(0, 3599), Window(3600, 4499))
    assert adjoin(Window(0, 3540), Window(3600, 4500))  # its last step's start
    assert not adjoin(Window(86_400, 90_000), Window(3600, 4500))  # another day, after
    assert not adjoin(Window(0, 1800), Window(3600, 4500))  # half an hour before
    snap = shop(BASELINE_STEPS - 24)
    assert episode_onset(snap, "checkout") is not None
    earlier = replace(snap, baseline=Window(0, (BASELINE_STEPS - 2) * STEP))  # a minute apart
    assert episode_onset(earlier, "checkout") is None


@given(
    st.lists(st.tuples(st.floats(0, 1e6), st.floats(0, 1e6)), max_size=60),
    st.lists(st.tuples(st.floats(0, 1e6), st.floats(0, 1e6)), max_size=6),
)
@example(before=[(0.0, 1.0)] * 4, during=[(1.0, 0.0)])  # the window served nothing
@example(before=[(0.0, 5e-324)] * 4, during=[(1.0, 5e-324)])  # requests too few to count
def test_any_counts_give_a_start_in_the_baselines_second_half_or_none(before, during):
    start = rise_start(before, during)

    assert start == len(before) or len(before) - len(before) // 2 <= start <= len(before) - 2
