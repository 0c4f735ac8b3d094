import pytest

from topology.errors import UsageError
from topology.queries.burn import BudgetPolicy, BurnRule, burning, slow_count, workbook_policy
from topology.stats import ServiceStats

POLICY = workbook_policy(0.999, 500)
HOUR, FIVE, SIX_HOURS, HALF_HOUR = 3_600, 300, 6 * 3_600, 1_800


def served(service: str, requests: int, errors: int = 0, slow: int = 0) -> ServiceStats:
    stats = ServiceStats(service, requests, errors)
    for _ in range(slow):
        stats.latency.add(800.0)
    for _ in range(requests - slow):
        stats.latency.add(20.0)
    return stats


def windows(**by_length: list[ServiceStats]) -> dict[int, list[ServiceStats]]:
    lengths = {"h1": HOUR, "m5": FIVE, "h6": SIX_HOURS, "m30": HALF_HOUR}
    return {lengths[key]: value for key, value in by_length.items()}


def test_errors_burning_fast_in_both_short_windows_fire_the_fast_rule():
    found = burning(
        windows(h1=[served("api", 1_000, errors=20)], m5=[served("api", 100, errors=5)]), POLICY
    )

    [burn] = found
    assert (burn.service, burn.budget, burn.long_s, burn.short_s) == ("api", "errors", HOUR, FIVE)
    assert burn.long_rate == pytest.approx(20.0)
    assert burn.short_rate == pytest.approx(50.0)
    assert burn.threshold == 14.4


def test_a_burn_over_when_the_short_window_recovered_does_not_fire():
    found = burning(
        windows(h1=[served("api", 1_000, errors=20)], m5=[served("api", 100, errors=0)]), POLICY
    )

    assert found == ()


def test_a_short_spike_alone_does_not_fire():
    found = burning(
        windows(h1=[served("api", 1_000, errors=5)], m5=[served("api", 100, errors=5)]), POLICY
    )

    assert found == ()


def test_a_slow_burn_fires_the_six_hour_rule():
    found = burning(
        windows(h6=[served("db", 10_000, errors=70)], m30=[served("db", 1_000, errors=8)]), POLICY
    )

    [burn] = found
    assert (burn.long_s, burn.short_s, burn.threshold) == (SIX_HOURS, HALF_HOUR, 6.0)
    assert burn.long_rate == pytest.approx(7.0)


def test_slow_requests_burn_the_latency_budget():
    found = burning(
        windows(h1=[served("api", 1_000, slow=30)], m5=[served("api", 100, slow=3)]),
        POLICY,
        {"api": "core"},
    )

    [burn] = found
    assert (burn.budget, burn.owner) == ("latency", "core")
    assert burn.long_rate == pytest.approx(30.0)


def test_slow_counts_requests_above_the_threshold_rounded_up_to_a_histogram_bound():
    stats = ServiceStats("api", 3)
    for latency in (300.0, 450.0, 600.0):
        stats.latency.add(latency)

    assert slow_count(stats, workbook_policy(0.99, 400).slow_bound_ms) == 1  # above 500 ms
    assert slow_count(stats, workbook_policy(0.99, 250).slow_bound_ms) == 3
    assert slow_count(stats, workbook_policy(0.99, 600).slow_bound_ms) == 0  # above 1 s


def test_a_service_without_requests_or_missing_from_a_window_does_not_burn():
    found = burning(
        windows(h1=[served("idle", 0), served("gone", 100, errors=50)], m5=[served("idle", 0)]),
        POLICY,
    )

    assert found == ()


@pytest.mark.parametrize(
    ("objective", "slow_ms", "rules"),
    [
        (1.0, 500, ()),
        (0.0, 500, ()),
        (0.99, 0, ()),
        (0.99, 500, (BurnRule(300, 3_600, 14.4),)),
        (0.99, 500, (BurnRule(3_600, 300, 0),)),
    ],
)
def test_a_bad_policy_is_refused(objective, slow_ms, rules):
    with pytest.raises(UsageError):
        BudgetPolicy(objective, slow_ms, rules)
