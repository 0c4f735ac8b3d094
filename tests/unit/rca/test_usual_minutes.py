"""The baseline's usual minutes: earlier episodes of a fault left out, lines now and then kept."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from topology.rca.counts import count_change, usual_minutes
from topology.rca.logs import earlier_minutes, log_evidence
from topology.rca.snapshot import Series

from .factories import BASELINE_STEPS, INCIDENT_STEPS, latency, snapshot

QUIET = [(0.0, 40.0), (1.0, 40.0), (0.0, 40.0), (0.0, 40.0)]
"""A minute's errors of a healthy service: a line now and then."""
EPISODE = [(16.0, 30.0), (18.0, 40.0), (19.0, 38.0), (17.0, 41.0)]
"""Four minutes of a fault's errors."""
DURING = [(18.0, 40.0), (17.0, 38.0), (20.0, 41.0)]


def test_two_earlier_episodes_filling_an_eighth_of_the_hour_do_not_set_the_usual_rate():
    # Two episodes of the same fault (8 of 60 minutes): more than a tenth cut off each end
    # of the minutes' rates would leave out.
    baseline = [*QUIET * 5, *EPISODE, *QUIET * 3, *EPISODE, *QUIET * 5]
    assert len(baseline) == 60

    change = count_change(baseline, DURING, 8.0)

    assert change is not None
    assert change.up
    assert change.score > 8.0
    assert change.expected < 1.0


def test_an_earlier_episode_is_left_out_and_the_lines_now_and_then_are_kept():
    baseline = [*QUIET * 6, *EPISODE, *QUIET * 8]

    usual = usual_minutes(baseline)

    assert usual == [*QUIET * 6, *QUIET * 8]


def test_a_line_logged_in_a_fifth_of_the_minutes_stays_usual():
    # Its middle half by rate is all silent minutes: the one-line minutes come back.
    now_and_then = [(1.0, 40.0), (0.0, 40.0), (0.0, 40.0), (0.0, 40.0), (0.0, 40.0)] * 12

    assert usual_minutes(now_and_then) == now_and_then
    change = count_change(now_and_then, [(1.0, 40.0), (0.0, 40.0), (1.0, 40.0)], 8.0)
    assert change is None or change.score < 8.0


def test_a_baseline_too_short_to_cut_from_is_all_usual():
    short = [(0.0, 40.0), (30.0, 40.0), (0.0, 40.0)]

    assert usual_minutes(short) == short


def test_negative_counts_are_read_as_none_and_do_not_break_the_reading():
    odd = [(-3.0, 40.0), *QUIET * 10]

    assert count_change(odd, DURING, 8.0) is not None


minute = st.tuples(
    st.integers(min_value=0, max_value=500).map(float),
    st.floats(min_value=1.0, max_value=500.0),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(minute, min_size=1, max_size=90))
def test_the_usual_minutes_are_some_of_the_baseline_in_its_order(
    minutes: list[tuple[float, float]],
) -> None:
    usual = list(usual_minutes(minutes))

    place = 0
    for kept in usual:  # each found after the one before: a subsequence
        place = minutes.index(kept, place) + 1


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=1, max_value=5),
    st.lists(st.integers(min_value=20, max_value=400), min_size=1, max_size=90),
)
def test_minutes_logging_at_one_rate_per_request_are_all_usual(
    rate: int, served: list[int]
) -> None:
    # The prior's half line moves the estimate by at most 1/40 a request: under the cut.
    minutes = [(float(rate * r), float(r)) for r in served]

    assert usual_minutes(minutes) == minutes


def test_a_rise_says_how_many_earlier_minutes_were_left_out_as_high():
    baseline = [*QUIET * 5, *EPISODE, *QUIET * 3, *EPISODE, *QUIET * 5]

    change = count_change(baseline, DURING, 8.0)

    assert change is not None
    assert change.earlier == 8
    assert earlier_minutes(change) == ", high in 8 earlier minutes too"


def test_a_baseline_without_episodes_adds_nothing_to_the_evidence():
    change = count_change(QUIET * 15, DURING, 8.0)

    assert change is not None
    assert change.earlier < 2
    assert earlier_minutes(change) == ""


def errors_evidence(errors: list[float], template: list[float]) -> list[str]:
    served = latency(20, 20)
    frame = snapshot([], {"route": served})
    logs = {
        "route": Series(
            served.t,
            {"level:ERROR": tuple(errors), "template:Exception in <*>": tuple(template)},
        )
    }
    found = log_evidence(replace(frame, logs=logs), ["route"], 8.0)
    return [item.text for item in found.get("route", [])]


def test_a_fault_come_back_is_told_as_such_and_its_template_is_not_new():
    quiet = [0.0, 1.0, 0.0, 0.0] * 15
    episodes = [*quiet[:20], 40.0, 42.0, 39.0, 41.0, *quiet[24:40], 40.0, 38.0, 41.0, *quiet[43:]]
    incident = [40.0] * INCIDENT_STEPS
    silent_then_episodes = [0.0 if n < 10 else n for n in episodes]

    told = errors_evidence([*episodes, *incident], [*silent_then_episodes, *incident])

    assert "ERROR logs 0.25 → 40/min, high in 7 earlier minutes too" in told
    assert not any(text.startswith("new template") for text in told)
    assert "'Exception in <*>' 0/min → 40/min, high in 7 earlier minutes too" in told


def test_a_template_never_seen_in_the_baseline_is_new():
    quiet = [0.0, 1.0, 0.0, 0.0] * 15
    incident = [40.0] * INCIDENT_STEPS

    told = errors_evidence([*quiet, *incident], [*[0.0] * BASELINE_STEPS, *incident])

    assert "new template 'Exception in <*>' 40/min" in told
