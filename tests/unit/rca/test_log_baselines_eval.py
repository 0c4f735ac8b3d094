"""The made-up log series of `eval.log_baselines` say what they are meant to."""

import numpy

from eval.log_baselines import BASELINE, INCIDENT, minutes, share_rising, table


def seeded(seed: int) -> numpy.random.Generator:
    return numpy.random.default_rng(seed)


def test_a_series_has_an_hour_of_baseline_and_the_incident_minutes():
    before, during = minutes(seeded(1), 5.0, 1.0, rise=4.0, episodes=6)

    assert len(before) == BASELINE
    assert len(during) == INCIDENT
    assert all(count >= 0 and 80 <= served <= 120 for count, served in [*before, *during])


def test_earlier_episodes_raise_that_many_baseline_minutes():
    rng = seeded(2)
    calm, _ = minutes(rng, 50.0, 1.0, rise=10.0, episodes=0)
    flapping, _ = minutes(seeded(2), 50.0, 1.0, rise=10.0, episodes=6)

    assert sum(count > 250 for count, _ in calm) == 0
    assert sum(count > 250 for count, _ in flapping) == 6


def test_steady_series_are_rarely_called_a_rise_and_a_clear_rise_always_is():
    rng = seeded(3)

    assert share_rising(rng, 50.0, 1.0, 8.0, 200) <= 0.02
    assert share_rising(rng, 50.0, 1.0, 8.0, 200, rise=4.0, episodes=6) == 1.0


def test_the_table_has_a_row_per_rate_and_dispersion():
    lines = table(runs=5, seed=4)

    assert lines[0].split()[0] == "rate/min"
    assert len(lines) == 1 + 3 * 2
