"""The incident post and its buttons, built from a recorded body (no I/O)."""

import json

from bot.slack.incident_view import (
    incident_message,
    page_value,
    read_page_value,
    upstream_message,
)

BODY = {
    "title": "checkout: 5xx ratio above 5%",
    "symptom": "checkout",
    "cause": "payment",
    "severity": "critical",
    "alerts": 2,
    "candidates": [{"service": "payment", "score": 0.91, "evidence": "errors 12% vs 0.1%"}],
    "paged": {"team": "payments", "service": "payment", "reason": "owner", "mode": "on"},
    "affected_teams": ["web"],
    "services": ["checkout", "frontend"],
    "links": [{"href": "https://runbooks.example.com/a|b>c", "text": "Runbook"}],
    "incident": 7,
    "opened_at": 1_777_600_000,
}


def buttons(message):
    return [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def test_an_open_incident_offers_drill_downs_paging_and_acknowledging():
    shown = buttons(incident_message(BODY, paging=True))

    values = [b["value"] for b in shown]
    assert "rca --at 1777600000 checkout" in values
    assert {"7 payment", "7 checkout"} <= set(values)
    assert shown[-1]["action_id"].startswith("svcmap.ack.")


def test_without_paging_from_slack_there_is_no_page_button():
    shown = buttons(incident_message(BODY, paging=False))

    assert not [b for b in shown if b["action_id"].startswith("svcmap.page")]


def test_a_resolved_incident_says_how_long_it_lasted_and_offers_only_drill_downs():
    message = incident_message({**BODY, "resolved_at": 1_777_600_000 + 3_900}, paging=True)

    assert "*Resolved* after 1h5m" in json.dumps(message.blocks)
    assert all(b["action_id"].startswith("svcmap.run.") for b in buttons(message))


def test_a_link_from_an_alert_cannot_break_out_of_its_mrkdwn_link():
    text = json.dumps(incident_message(BODY, paging=True).blocks)

    assert "<https://runbooks.example.com/a%7Cb&gt;c|Runbook>" in text


def test_an_upstream_notice_names_the_services_hit_and_links_the_post():
    body = {"team": "web", "title": "t", "services": ["<!here>"], "paged": None}

    text = json.dumps(upstream_message(body, "https://x.slack.com/archives/C1/p1").blocks)

    assert "&lt;!here&gt;" in text
    assert "<https://x.slack.com/archives/C1/p1|Incident post>" in text


def test_a_page_buttons_value_is_read_back_strictly():
    assert read_page_value(page_value(7, "pay ment")) == (7, "pay ment")
    assert read_page_value(page_value(None, "payment")) == (None, "payment")
    for forged in ("", "7", "x payment", "-1 payment", "9" * 30 + " p", "7 " + "p" * 3000):
        assert read_page_value(forged) is None
