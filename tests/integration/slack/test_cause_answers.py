"""Answering "Was this the cause?" on an incident post: through the real webhook, sender and
Bolt app with signed requests, into a fake Slack; the answers are kept with the incident."""

from __future__ import annotations

import json
from argparse import Namespace
from collections.abc import Callable

from bot.cli.alerting import list_incidents
from tests.integration.alerts.conftest import INCIDENT_AT
from tests.integration.slack import test_incident_posts as incident_posts
from tests.integration.slack.test_incident_posts import FIRING, ONCALL, Desk, button
from tests.slack.fake_api import Call
from topology.incidents.feedback import Feedback

shop_file = incident_posts.shop_file
make_desk = incident_posts.make_desk
"""The incident posts' fixtures: a shop's database, and the app with Slack and paging on."""


def posted(desk: Desk) -> tuple[Call, dict[str, str]]:
    """The incident post, and where it is: its channel's ID and its ts, as Slack sends them."""
    desk.alert(FIRING)
    desk.send()
    (post,) = desk.posts("#incidents")
    channel, ts = str(desk.app.incidents.post_of(1).ref).split(":")
    return post, {"channel": channel, "message_ts": ts}


def cause_buttons(post: Call) -> list[dict[str, object]]:
    return [
        dict(element)
        for block in post.blocks()
        for element in block.get("elements", [])  # type: ignore[union-attr]
        if str(element.get("action_id", "")).startswith("svcmap.cause.")
    ]


def test_the_incident_post_asks_about_each_ranked_candidate_and_none_of_them(
    make_desk: Callable[..., Desk],
):
    desk = make_desk()
    post, _ = posted(desk)

    labels = [b["text"]["text"] for b in cause_buttons(post)]  # type: ignore[index]

    shown = desk.app.incidents.post_of(1).body["candidates"]
    assert labels == [f"It was {c['service']}" for c in shown] + ["None of these"]  # type: ignore[union-attr]
    assert "Was this the cause?" in post.text_of_blocks()


def test_an_answer_is_kept_with_the_incident_and_acknowledged_to_the_presser_alone(
    make_desk: Callable[..., Desk],
):
    desk = make_desk()
    post, where = posted(desk)
    top = button(post, "svcmap.cause")
    candidate = str(top["value"]).split(" ", 2)[2]

    desk.press(top, user="W222", **where)

    key = desk.app.incidents.incident(1).key  # type: ignore[union-attr]
    assert desk.told() == [f"Noted: {candidate} was the cause of incident {key}."]
    assert desk.app.incidents.answers([1]) == [Feedback(1, "W222", candidate, "yes", INCIDENT_AT)]


def test_a_later_answer_replaces_the_earlier_one_on_the_same_candidate(
    make_desk: Callable[..., Desk],
):
    desk = make_desk()
    post, where = posted(desk)
    top, *_, none = cause_buttons(post)
    ranked = [str(b["value"]).split(" ", 2)[2] for b in cause_buttons(post)[:-1]]

    desk.press(top, user="W222", **where)
    desk.clock.now += 60
    desk.press(none, user="W222", **where)

    kept = desk.app.incidents.answers([1])
    assert sorted((a.candidate, a.verdict) for a in kept) == sorted((c, "no") for c in ranked)
    assert {a.at for a in kept} == {INCIDENT_AT + 60}
    assert desk.told()[1].startswith("Noted: none of ")


def test_answers_show_in_incidents_json_one_list_per_incident(make_desk: Callable[..., Desk]):
    desk = make_desk()
    post, where = posted(desk)
    top = button(post, "svcmap.cause")
    candidate = str(top["value"]).split(" ", 2)[2]

    desk.press(top, user="W222", **where)
    desk.press(top, user="W333", **where)

    (incident,) = json.loads(list_incidents(desk.app, Namespace(limit=20, json=True)))
    assert incident["feedback"] == [
        {"user": "W222", "candidate": candidate, "verdict": "yes", "at": INCIDENT_AT},
        {"user": "W333", "candidate": candidate, "verdict": "yes", "at": INCIDENT_AT},
    ]


def test_answering_pages_nobody(make_desk: Callable[..., Desk]):
    desk = make_desk()
    post, where = posted(desk)
    before = list(desk.pagerduty.events)

    for pressed in cause_buttons(post):
        desk.press(pressed, user="W999", **where)
    desk.send()

    assert desk.pagerduty.events == before
    assert desk.woken == []


def test_a_candidate_the_incident_did_not_rank_is_refused(make_desk: Callable[..., Desk]):
    desk = make_desk()
    post, where = posted(desk)
    top = button(post, "svcmap.cause")

    desk.press({**top, "value": "1 yes frontend"}, user="W222", **where)
    desk.press({**top, "value": "1 yes <!channel>"}, user="W222", **where)
    desk.press({**top, "value": "1 perhaps payment"}, user="W222", **where)

    assert (
        desk.told()[:2] == ["That service was not ranked for this incident; nothing was noted."] * 2
    )
    assert desk.told()[2] == "That button carried nothing svcmap can note."
    assert desk.app.incidents.answers([1]) == []


def test_a_button_acts_only_on_the_incident_of_the_post_it_was_pressed_on(
    make_desk: Callable[..., Desk],
):
    desk = make_desk()
    post, where = posted(desk)
    top = button(post, "svcmap.cause")
    elsewhere = {**where, "message_ts": "1700000000.000042"}
    other_channel = {**where, "channel": "C0OTHER"}

    desk.press(top, user="W222", **elsewhere)
    desk.press(top, user="W222", **other_channel)
    desk.press({**top, "value": "99 no"}, user="W222", **where)

    said = desk.told()
    assert said[:2] == ["That button is not on this incident's post; nothing was noted."] * 2
    assert said[2] == "That incident is not in svcmap's incident log; nothing was noted."
    assert desk.app.incidents.answers([1, 99]) == []


def test_only_people_allowed_to_ask_may_answer(make_desk: Callable[..., Desk]):
    desk = make_desk(slack_allowed_groups=ONCALL)
    post, where = posted(desk)
    top = button(post, "svcmap.cause")

    desk.press(top, user="W999", **where)
    desk.press(top, user="W111", **where)

    refused, noted = desk.told()
    assert refused.startswith("Sorry, svcmap answers only members of the user groups")
    assert noted.startswith("Noted: ")
    assert [a.user for a in desk.app.incidents.answers([1])] == ["W111"]
