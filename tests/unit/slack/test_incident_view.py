"""The incident post and its buttons, built from a recorded body (no I/O)."""

import json

from bot.slack.incident_view import (
    cause_message,
    cause_value,
    incident_message,
    page_value,
    read_cause_value,
    read_page_value,
    upstream_message,
)
from topology.incidents.feedback import Verdict

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
    assert all(
        b["action_id"].startswith(("svcmap.run.", "svcmap.cause.")) for b in buttons(message)
    )


TWO_CAUSES = {
    **BODY,
    "candidates": [
        {"service": "payment", "score": 0.91, "evidence": "errors 12% vs 0.1%"},
        {"service": "stripe api", "score": 0.5, "evidence": "latency 900ms vs 200ms"},
    ],
}


def cause_buttons(message):
    return [b for b in buttons(message) if b["action_id"].startswith("svcmap.cause.")]


def test_the_post_asks_was_this_the_cause_with_one_button_per_ranked_candidate_and_none():
    shown = cause_buttons(incident_message(TWO_CAUSES, paging=False))

    assert [(b["text"]["text"], b["value"]) for b in shown] == [
        ("It was payment", "7 yes payment"),
        ("It was stripe api", "7 yes stripe api"),
        ("None of these", "7 no"),
    ]
    assert "Was this the cause?" in json.dumps(incident_message(TWO_CAUSES, paging=False).blocks)


def test_the_cause_question_stays_on_a_resolved_post_when_the_answer_is_known():
    resolved = {**TWO_CAUSES, "resolved_at": 1_777_600_000 + 60}

    assert len(cause_buttons(incident_message(resolved, paging=True))) == 3


def test_a_post_without_ranked_candidates_asks_nothing_about_the_cause():
    shown = cause_buttons(incident_message({**BODY, "candidates": []}, paging=True))

    assert shown == []


def test_unconfirmed_causes_are_named_as_such_and_the_top_one_can_still_be_paged():
    body = {**TWO_CAUSES, "cause": None, "confirmed": False}

    message = incident_message(body, paging=True)

    assert "Likely causes, not confirmed" in json.dumps(message.blocks)
    assert "Likely root causes" not in json.dumps(message.blocks)
    values = [b["value"] for b in buttons(message) if b["action_id"].startswith("svcmap.page")]
    assert values == ["7 payment", "7 checkout"]


def test_a_cause_buttons_value_is_read_back_strictly():
    assert read_cause_value(cause_value(7, Verdict.YES, "pay ment")) == (7, Verdict.YES, "pay ment")
    assert read_cause_value(cause_value(7, Verdict.NO, None)) == (7, Verdict.NO, None)
    for forged in ("", "7", "7 maybe payment", "x yes p", "-1 yes p", "9" * 30 + " yes p"):
        assert read_cause_value(forged) is None
    assert read_cause_value("7 yes " + "p" * 3000) is None


def test_a_link_from_an_alert_cannot_break_out_of_its_mrkdwn_link():
    text = json.dumps(incident_message(BODY, paging=True).blocks)

    assert "<https://runbooks.example.com/a%7Cb&gt;c|Runbook>" in text


def test_an_upstream_notice_names_the_services_hit_and_links_the_post():
    body = {"team": "web", "title": "t", "services": ["<!here>"], "paged": None}

    text = json.dumps(upstream_message(body, "https://x.slack.com/archives/C1/p1").blocks)

    assert "&lt;!here&gt;" in text
    assert "<https://x.slack.com/archives/C1/p1|Incident post>" in text


def test_a_page_buttons_value_is_read_back_strictly():
    assert read_page_value(page_value(7, "pay ment")) == (7, "pay ment", "")
    seal = "A" * 21 + "_"
    assert read_page_value(page_value(None, "payment", seal=seal)) == (None, "payment", seal)
    assert read_page_value("- payment") == (None, "payment", "")  # unsealed: pages nobody
    for forged in ("", "7", "x payment", "-1 payment", "9" * 30 + " p", "7 " + "p" * 3000):
        assert read_page_value(forged) is None
    assert read_page_value(f"-{seal}= payment") is None


def test_the_reply_once_sure_names_the_cause_its_evidence_and_whom_it_pages_escaped():
    body = {
        "cause": "pay<!channel>",
        "candidates": [{"service": "pay<!channel>", "score": 12.5, "evidence": "*bold* <x|y>"}],
        "paged": {"team": "payments", "service": "pay<!channel>", "reason": "sure", "mode": "on"},
        "paged_first": "web",
    }

    message = cause_message(body)
    text = json.dumps(message.blocks)

    assert "Likely cause now clear: pay&lt;!channel&gt;" in text
    assert "(score 12.5)" in text
    assert "<!channel>" not in text
    assert "<x|y>" not in text
    assert "Paging *payments* about *pay&lt;!channel&gt;*: sure. First paged: web." in text
    assert "<!channel>" not in message.text


def test_the_reply_once_sure_in_a_dry_run_says_it_would_page():
    body = {"cause": "pay", "paged": {"team": "payments", "service": "pay", "mode": "dry-run"}}

    assert "Would page *payments*" in json.dumps(cause_message(body).blocks)


def test_the_reply_about_a_joined_group_s_page_names_its_service_escaped():
    body = {
        "joined": "pay<!channel>",
        "cause": None,
        "paged": {"team": "payments", "service": "pay<!channel>", "reason": "below", "mode": "on"},
        "paged_first": "web",
    }

    message = cause_message(body)
    text = json.dumps(message.blocks)

    assert "An alert on pay&lt;!channel&gt; joined this incident" in text
    assert "Likely cause now clear" not in text
    assert "Paging *payments* about *pay&lt;!channel&gt;*: below. First paged: web." in text
    assert "<!channel>" not in text
    assert "<!channel>" not in message.text
