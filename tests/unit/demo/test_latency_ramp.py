"""A latency that ramps: grows by so much each minute from when the fault was put in force."""

import random
import statistics

import pytest

from bot.demo.alerts import AlertRules
from bot.demo.faults import MAX_LATENCY_MS, Fault, FaultBoard, parse_latency_or_ramp
from bot.demo.traces import SERVER, build_trace
from topology.errors import UsageError

SINCE = 1_800_000_000
NS = 10**9


def cart_ms(fault: Fault, minute: float, seed: int = 5, count: int = 300) -> float:
    """The median latency of cart's server spans of requests arriving `minute` after SINCE."""
    rng = random.Random(seed)  # noqa: S311 - simulated traffic, not secrets
    moment = int((SINCE + minute * 60) * NS)
    spans = [s for _ in range(count) for s in build_trace(rng, moment, {"cart": fault})]
    served = [
        (s.end_ns - s.start_ns) / 1e6 for s in spans if s.service == "cart" and s.kind == SERVER
    ]
    return statistics.median(served)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("800ms", (800.0, 0.0)),
        ("2s", (2000.0, 0.0)),
        ("5ms/min", (0.0, 5.0)),
        ("0.5ms/min", (0.0, 0.5)),
        (" 5 ms / min ", (0.0, 5.0)),
        ("1s/min", (0.0, 1000.0)),
    ],
)
def test_a_latency_or_a_ramp_is_read_from_its_words(text, expected):
    assert parse_latency_or_ramp(text) == expected


@pytest.mark.parametrize("text", ["5ms/h", "5ms/", "/min", "-5ms/min", "61s/min", "fast", ""])
def test_anything_else_is_a_usage_error_that_shows_how_to_write_it(text):
    with pytest.raises(
        UsageError, match=r"neither a latency nor a ramp; write 800ms, 2s or 5ms/min"
    ):
        parse_latency_or_ramp(text)


def test_a_ramp_adds_its_rate_for_each_minute_since_it_was_put_in_force():
    ramp = Fault("cart", latency_ms=10, latency_ms_per_min=5, since=SINCE)

    assert ramp.latency_at(SINCE * NS) == 10
    assert ramp.latency_at((SINCE + 90) * NS) == pytest.approx(17.5)
    assert ramp.latency_at((SINCE + 600) * NS) == pytest.approx(60)
    assert ramp.latency_at((SINCE - 60) * NS) == 10


def test_a_ramp_stops_at_the_longest_latency_the_demo_allows():
    ramp = Fault("cart", latency_ms_per_min=1_000, since=SINCE)

    assert ramp.latency_at((SINCE + 86_400) * NS) == MAX_LATENCY_MS


def test_a_ramp_not_yet_put_in_force_adds_only_its_fixed_latency():
    assert Fault("cart", latency_ms=3, latency_ms_per_min=5).latency_at(SINCE * NS) == 3


def test_the_services_own_spans_grow_slower_minute_by_minute():
    ramp = Fault("cart", latency_ms_per_min=5, since=SINCE)

    medians = [cart_ms(ramp, minute) for minute in (0, 2, 4, 8)]

    assert medians[0] < 3
    assert medians == sorted(medians)
    assert 8 < medians[1] - medians[0] < 12
    assert 36 < medians[3] - medians[0] < 44


def test_a_steep_ramp_fires_the_latency_alert_once_it_has_grown_and_not_before():
    rules = AlertRules()
    rng = random.Random(9)  # noqa: S311 - simulated traffic, not secrets
    healthy = [s for n in range(600) for s in build_trace(rng, (SINCE - 900 + n) * NS, {})]
    rules.learn(healthy)
    ramp = {"cart": Fault("cart", latency_ms_per_min=5, since=SINCE)}

    def minute(m: int) -> list:
        start = SINCE + 60 * m
        return [s for n in range(120) for s in build_trace(rng, (start + n // 2) * NS, ramp)]

    early = rules.evaluate(minute(1), at=SINCE + 120)
    late = rules.evaluate(minute(12), at=SINCE + 780)

    assert early == []
    assert [(a.name, a.service) for a in late] == [("HighLatency", "cart")]


def test_the_board_refuses_a_ramp_out_of_range_and_shows_one_in_force():
    board = FaultBoard(frozenset({"cart"}))
    with pytest.raises(UsageError, match="ramp"):
        board.put(Fault("cart", latency_ms_per_min=MAX_LATENCY_MS + 1))
    for rate in (-1, float("nan"), float("inf")):
        with pytest.raises(UsageError):
            board.put(Fault("cart", latency_ms_per_min=rate))
    assert board.current() == {}

    board.put(Fault("cart", latency_ms_per_min=5, since=SINCE))

    assert board.current()["cart"].to_dict()["latency_ms_per_min"] == 5
