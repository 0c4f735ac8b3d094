import json

from bot.adapters.paging.events import SUMMARY_CHARS, accepted_key, event_body, refusal
from topology.incidents.model import Link, PageAction, PageEvent, Severity

KEY = "0123456789abcdef0123456789abcdef"


def trigger(**fields):
    given = {
        "action": PageAction.TRIGGER,
        "routing_key": KEY,
        "dedup_key": "svcmap/abc-1/checkout",
        "summary": "checkout: 5xx ratio above 5%",
        "source": "checkout",
        "severity": Severity.CRITICAL,
        "component": "checkout",
        "group": "shop",
        "klass": "HighErrorRate",
        "timestamp": "2026-08-06T10:15:30Z",
        "details": {"alerted_service": "checkout"},
        "links": (Link("https://slack.example.com/p1", "Incident post in Slack"),),
    }
    return PageEvent(**{**given, **fields})


def test_a_trigger_has_the_shape_of_the_documented_request(fixtures_dir):
    documented = json.loads(
        (fixtures_dir / "api/pagerduty_events_v2_trigger_request.AUTHORED.json").read_text()
    )

    body = event_body(trigger())

    assert set(body) <= set(documented)
    assert set(body["payload"]) <= set(documented["payload"])
    assert body["routing_key"] == KEY
    assert body["event_action"] == "trigger"
    assert body["dedup_key"] == "svcmap/abc-1/checkout"
    assert body["payload"]["severity"] == "critical"
    assert body["payload"]["class"] == "HighErrorRate"
    link = {"href": "https://slack.example.com/p1", "text": "Incident post in Slack"}
    assert body["links"] == [link]


def test_a_resolve_carries_no_payload_like_the_documented_request(fixtures_dir):
    documented = json.loads(
        (fixtures_dir / "api/pagerduty_events_v2_resolve_request.json").read_text()
    )

    body = event_body(PageEvent(PageAction.RESOLVE, KEY, "svcmap/abc-1/checkout"))

    assert set(body) == set(documented)
    assert body["event_action"] == "resolve"


def test_a_long_summary_is_cut_to_what_pagerduty_keeps():
    body = event_body(trigger(summary="x" * 5000))

    assert len(body["payload"]["summary"]) == SUMMARY_CHARS


def test_the_routing_key_is_not_in_the_event_repr():
    assert KEY not in repr(trigger())


def test_the_accepted_answer_gives_the_dedup_key(fixtures_dir):
    body = (fixtures_dir / "api/pagerduty_events_v2_202_accepted.AUTHORED.json").read_bytes()

    assert accepted_key(body) == "checkout/HighErrorRate"
    assert accepted_key(b"") is None


def test_a_refusal_says_what_pagerduty_said(fixtures_dir):
    invalid = (fixtures_dir / "api/pagerduty_events_v2_400_invalid_event.json").read_bytes()
    throttled = (
        fixtures_dir / "api/pagerduty_events_v2_429_throttled.CONSTRUCTED.json"
    ).read_bytes()

    assert "Length of 'routing_key' is incorrect" in refusal(invalid)
    assert refusal(throttled).startswith("throttle exceeded; Requests for this service")
    assert refusal(b"<html>busy</html>") is None
