"""An unsure ranking's weaker signs (`below_threshold`) go with the page and the post as
suggestions, escaped, and nobody is paged for them (SQLite and Postgres)."""

from dataclasses import replace

from bot.bootstrap import alert_desk, dispatch_desk
from bot.slack.incident_view import incident_message
from bot.usecases.alerting import alert_rows, decide_opening, gather, notice_state
from bot.usecases.dispatching import dispatch_due
from tests.integration.alerts.conftest import INCIDENT_AT, WEB_KEY, FakeNotifier, webhook
from topology.incidents.keys import incident_key
from topology.incidents.webhook import parse_webhook
from topology.rca.ranking import Candidate

HOSTILE = "<!channel> *cart* <https://evil.example|x>"
WEAK = (
    Candidate("payment", 0.41, "errors up 40% on calls to stripe-api", signals=("errors",)),
    Candidate(HOSTILE, 0.3, "latency up <@U123>", signals=("latency",)),
)


def opened_with(app, *, confident, quiet=False):
    """Open an incident on checkout whose ranking names `WEAK` below its threshold."""
    group = parse_webhook(webhook("checkout"))
    evidence = gather(alert_desk(app), "checkout", INCIDENT_AT)
    assert evidence.ranking is not None
    ranking = replace(evidence.ranking, below=WEAK)
    if quiet:
        ranking = replace(ranking, candidates=())
    made = replace(evidence, ranking=ranking, confident=confident)
    opening = decide_opening(alert_desk(app), group, incident_key(group), made, joined_to=None)
    rows = alert_rows(group, app.settings.alert_labels)
    app.incidents.record_firing(
        opening, rows, now_s=INCIDENT_AT, notice_state=notice_state(alert_desk(app))
    )
    dispatch_due(dispatch_desk(app), holder="test")
    return opening


def test_an_unsure_rankings_weaker_signs_are_in_the_pages_details_not_paged(make_app, pagerduty):
    app = make_app(notifier=FakeNotifier())

    opened_with(app, confident=False)

    (event,) = pagerduty.events
    assert event["routing_key"] == WEB_KEY  # the alerted service's owner, as before
    weak = event["payload"]["custom_details"]["weaker_signs_below_threshold"]
    assert [c["service"] for c in weak] == ["payment", HOSTILE]
    assert weak[0]["score"] == 0.41


def test_a_quiet_ranking_with_weaker_signs_pages_the_alerted_owner_and_names_them(
    make_app, pagerduty
):
    notifier = FakeNotifier()
    app = make_app(notifier=notifier)

    opening = opened_with(app, confident=False, quiet=True)

    assert opening.cause is None
    assert [e["routing_key"] for e in pagerduty.events] == [WEB_KEY]
    post = notifier.posted[0]
    assert "Root cause: no candidate stands out." in post.text
    assert "Weaker signs, below the threshold (suggestions, nobody paged for them): " in post.text
    assert "payment (score 0.41)" in post.text


def test_the_incident_post_names_the_weaker_signs_escaped_for_slack(make_app, pagerduty):
    notifier = FakeNotifier()
    app = make_app(notifier=notifier)

    opened_with(app, confident=False)

    message = incident_message(notifier.posted[0].body, paging=False)
    text = "\n".join(map(str, message.blocks))
    assert "*Weaker signs, below the threshold*" in text
    assert "*payment* (0.41)" in text
    assert "<!channel>" not in text
    assert "<https://evil.example" not in text
    assert "&lt;!channel&gt;" in text


def test_a_sure_ranking_names_no_weaker_signs(make_app, pagerduty):
    notifier = FakeNotifier()
    app = make_app(notifier=notifier)

    opened_with(app, confident=True)

    (event,) = pagerduty.events
    assert "weaker_signs_below_threshold" not in event["payload"]["custom_details"]
    assert "Weaker signs" not in notifier.posted[0].text
    assert notifier.posted[0].body["below_threshold"] == []
