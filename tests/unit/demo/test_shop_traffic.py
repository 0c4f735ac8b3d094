import json
import random
from pathlib import Path

import pytest

from bot.demo.alerts import AlertRules, webhook_payload
from bot.demo.faults import Fault, FaultBoard, parse_latency, parse_share
from bot.demo.otlp import export_request
from bot.demo.shop import PEERS, SERVICES
from bot.demo.traces import CONSUMER, SERVER, build_trace
from topology.errors import UsageError
from topology.linking import link
from topology.parsing.otlp_proto import read_otlp_protobuf

FIXTURE = (
    Path(__file__).resolve().parents[2]
    / "fixtures/api/alertmanager_webhook_v4_firing.CONSTRUCTED.json"
)
START = 1_800_000_000 * 10**9


def traffic(seed: int, count: int, faults=None):
    rng = random.Random(seed)  # noqa: S311 - simulated traffic, not secrets
    return [s for n in range(count) for s in build_trace(rng, START + n * 10**9, faults or {})]


def test_the_shop_has_twenty_nodes_run_by_several_teams():
    assert len(SERVICES) + len(PEERS) == 20


def test_the_same_seed_makes_the_same_spans():
    assert traffic(7, 50) == traffic(7, 50)
    assert traffic(7, 50) != traffic(8, 50)


def test_spans_sent_over_otlp_link_into_the_shops_edges():
    spans = traffic(1, 400)
    export = read_otlp_protobuf(export_request(spans), source="otlp")
    edges = {(call.parent, call.child) for call in link(export.spans).calls}
    assert len(export.spans) == len(spans)
    for edge in [
        ("frontend-proxy", "frontend"),
        ("checkout", "payment"),
        ("payment", "stripe-api"),
        ("checkout", "kafka"),
        ("kafka", "accounting"),
        ("kafka", "frauddetection"),
        ("cart", "valkey"),
        ("productcatalog", "postgres"),
    ]:
        assert edge in edges


def test_a_broken_service_fails_about_the_share_asked_and_its_callers_with_it():
    spans = traffic(3, 2_000, {"payment": Fault("payment", errors=0.5)})
    served = [s for s in spans if s.kind == SERVER and s.service == "payment"]
    share = sum(s.error for s in served) / len(served)
    assert 0.4 < share < 0.6
    checkout = [s for s in spans if s.kind == SERVER and s.service == "checkout"]
    assert sum(s.error for s in checkout) / len(checkout) > 0.4


def test_a_slowed_service_takes_the_added_latency():
    healthy = traffic(4, 500)
    slowed = traffic(4, 500, {"currency": Fault("currency", latency_ms=800)})

    def median(spans):
        values = sorted(
            s.end_ns - s.start_ns for s in spans if s.kind == SERVER and s.service == "currency"
        )
        return values[len(values) // 2] / 1e6

    assert median(healthy) < 5
    assert median(slowed) > 500


def test_shares_and_latencies_are_read_as_people_write_them():
    assert parse_share("30%") == 0.3
    assert parse_share("50") == 0.5
    assert parse_latency("800ms") == 800
    assert parse_latency("2s") == 2000
    for bad in ("150%", "lots", "-5%"):
        with pytest.raises(UsageError):
            parse_share(bad)
    with pytest.raises(UsageError):
        parse_latency("2h")


def test_the_board_refuses_a_service_the_shop_lacks_and_heals_all():
    board = FaultBoard(frozenset({"payment"}))
    with pytest.raises(UsageError, match="no 'nope'"):
        board.put(Fault("nope", 0.1))
    board.put(Fault("payment", 0.1))
    assert board.clear() == [Fault("payment", 0.1)]
    assert board.current() == {}


def test_an_error_alert_fires_for_the_broken_service_and_is_resolved_after_healing():
    rules = AlertRules()
    rules.learn(traffic(5, 600))
    fired = rules.evaluate(traffic(6, 600, {"payment": Fault("payment", 0.5)}), at=100)
    assert ("HighErrorRate", "payment") in {(a.name, a.service) for a in fired}
    assert {a.status for a in fired} == {"firing"}
    resolved = rules.evaluate(traffic(7, 600), at=200)
    assert ("HighErrorRate", "payment") in {(a.name, a.service) for a in resolved}
    assert {a.status for a in resolved} == {"resolved"}
    assert rules.firing() == []


def test_healthy_traffic_fires_nothing():
    rules = AlertRules()
    rules.learn(traffic(5, 600))
    assert rules.evaluate(traffic(9, 600), at=100) == []


def test_a_latency_alert_fires_for_a_slowed_service():
    rules = AlertRules()
    rules.learn(traffic(5, 600))
    fired = rules.evaluate(traffic(6, 600, {"cart": Fault("cart", latency_ms=800)}), at=100)
    assert ("HighLatency", "cart") in {(a.name, a.service) for a in fired}


def test_the_webhook_payload_has_the_shape_alertmanager_sends():
    rules = AlertRules()
    fired = rules.evaluate(traffic(6, 600, {"payment": Fault("payment", 0.5)}), at=100)
    alert = next(a for a in fired if a.service == "payment")
    payload = webhook_payload([alert], external_url="http://127.0.0.1:8080")
    recorded = json.loads(FIXTURE.read_text())
    assert set(recorded) - {"notification_reason", "routeLabels"} <= set(payload)
    assert set(payload["alerts"][0]) == set(recorded["alerts"][0])
    assert payload["version"] == "4"
    assert payload["commonLabels"]["service"] == "payment"
    assert payload["alerts"][0]["endsAt"] == "0001-01-01T00:00:00Z"


def test_consumers_serve_requests_from_kafka():
    spans = traffic(2, 300)
    assert any(s.kind == CONSUMER and s.service == "accounting" for s in spans)


def minutes_of_traffic(seed: int, minutes: int, faults=None):
    """A minute of the demo's default traffic (2 requests/s) per evaluation."""
    rng = random.Random(seed)  # noqa: S311 - simulated traffic, not secrets
    per_minute = 120
    return [
        [
            span
            for n in range(per_minute)
            for span in build_trace(
                rng, START + (minute * per_minute + n) * 5 * 10**8, faults or {}
            )
        ]
        for minute in range(minutes)
    ]


def recommendations(rules: AlertRules, minutes, first: int = 0) -> list[tuple[str, str]]:
    """The changes to recommendation's alerts, evaluating each minute of `minutes` in turn."""
    return [
        (a.name, a.status)
        for at, spans in enumerate(minutes, start=first)
        for a in rules.evaluate(spans, at=at * 60)
        if a.service == "recommendation"
    ]


def test_a_lasting_fault_on_a_service_called_a_few_times_a_minute_keeps_its_alert_firing():
    """recommendation serves about 12 requests a minute: some minutes fewer than 10."""
    rules = AlertRules()
    rules.learn(traffic(5, 600))
    slowed = {"recommendation": Fault("recommendation", latency_ms=300)}
    minutes = minutes_of_traffic(3, 30, slowed)
    served = [
        len([s for s in m if s.service == "recommendation" and s.kind == SERVER]) for m in minutes
    ]
    assert min(served) < 10 <= max(served)  # the case: minutes too thin to judge

    changes = recommendations(rules, minutes)
    assert changes == [("HighLatency", "firing")]
    healed = recommendations(rules, minutes_of_traffic(4, 5), first=30)
    assert healed == [("HighLatency", "resolved")]


def test_a_firing_error_alert_stays_firing_while_the_share_failed_does_however_few_failed():
    rules = AlertRules()
    rules.learn(traffic(5, 600))
    broken = {"recommendation": Fault("recommendation", 0.5)}
    minutes = minutes_of_traffic(3, 30, broken)
    changes = recommendations(rules, minutes)
    assert changes == [("HighErrorRate", "firing")]
    assert rules.evaluate([], at=31 * 60) == []  # an evaluation with no requests judges nothing
