"""A post carries its notice's key as Slack message metadata, and is found again by it.

Against the fake Slack Web API on 127.0.0.1: the mark goes with `chat.postMessage`; a post
is found in its channel's history (a channel named is looked up first) or, for a reply, in
its thread; Slack's errors reach the caller as retryable or not; answers that are not what
Slack documents find nothing.
"""

from __future__ import annotations

import json
import time

import pytest
from slack_sdk import WebClient

from bot.adapters.paging.ports import Notice, Posted
from bot.adapters.slack.delivery import SlackPoster
from bot.adapters.slack.notifier import EVENT_TYPE, SlackNotifier, marker, post_ref
from tests.slack.fake_api import FakeSlack, channel_id
from topology.errors import NoticeError


@pytest.fixture
def live_slack():
    made = FakeSlack(live_ts=True)
    yield made
    made.close()


def notifier_for(fake: FakeSlack) -> SlackNotifier:
    client = WebClient(token="xoxb-test", base_url=fake.api_url)
    return SlackNotifier(SlackPoster(client), draw=lambda _: b"", paging=False)


def incident_notice(key: str = "inc-1/7", channel: str = "#incidents") -> Notice:
    body = {"title": "checkout: 5xx ratio above 5%", "symptom": "checkout", "incident": 1}
    return Notice(kind="incident", channel=channel, incident_id=1, text="", body=body, key=key)


def test_a_post_carries_its_key_as_message_metadata(live_slack):
    notifier_for(live_slack).post(incident_notice())

    (call,) = live_slack.of("chat.postMessage")
    metadata = call.params["metadata"]
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    assert metadata == {"event_type": EVENT_TYPE, "event_payload": {"notice": "inc-1/7"}}


def test_a_post_made_is_found_in_its_named_channel_and_another_is_not(live_slack):
    notifier = notifier_for(live_slack)
    since = int(time.time()) - 60
    posted = notifier.post(incident_notice("inc-1/7"))
    notifier.post(incident_notice("inc-2/8"))

    assert notifier.find(incident_notice("inc-1/7"), since_s=since) == posted
    assert notifier.find(incident_notice("inc-3/9"), since_s=since) is None
    assert "conversations.list" not in live_slack.methods()  # the posts told its ID


def test_a_channel_named_is_looked_up_once_by_a_poster_that_never_posted_in_it(live_slack):
    since = int(time.time()) - 60
    posted = notifier_for(live_slack).post(incident_notice("inc-1/7"))
    restarted = notifier_for(live_slack)

    assert restarted.find(incident_notice("inc-1/7"), since_s=since) == posted
    assert restarted.find(incident_notice("inc-3/9"), since_s=since) is None
    assert live_slack.methods().count("conversations.list") == 1


def test_a_post_older_than_asked_is_not_looked_at(live_slack):
    notifier = notifier_for(live_slack)
    notifier.post(incident_notice())

    assert notifier.find(incident_notice(), since_s=int(time.time()) + 5) is None


def test_a_reply_is_found_in_its_thread(live_slack):
    notifier = notifier_for(live_slack)
    since = int(time.time()) - 60
    post = notifier.post(incident_notice())
    body = {"title": "checkout", "symptom": "checkout", "new_alerts": [], "alerts": 2}
    reply = Notice(
        kind="resolved", channel="#incidents", incident_id=1, text="", body=body, post=post,
        key="inc-1/8",
    )  # fmt: skip
    posted = notifier.post(reply)

    assert notifier.find(reply, since_s=since) == posted
    assert live_slack.of("conversations.replies")


def test_a_reply_once_sure_of_the_cause_goes_in_the_posts_thread_and_is_found_there(live_slack):
    notifier = notifier_for(live_slack)
    since = int(time.time()) - 60
    post = notifier.post(incident_notice())
    body = {"cause": "stripe-api", "paged": {"team": "payments", "service": "stripe-api"}}
    reply = Notice(
        kind="cause", channel="#incidents", incident_id=1, text="", body=body, post=post,
        key="inc-1/9",
    )  # fmt: skip

    posted = notifier.post(reply)

    (_, answer) = live_slack.of("chat.postMessage")
    assert answer.params["thread_ts"] == post.ref.partition(":")[2]
    assert "stripe-api" in json.dumps(answer.params["blocks"])
    assert notifier.find(reply, since_s=since) == posted


def test_many_messages_since_are_paged_through(live_slack):
    poster = SlackPoster(WebClient(token="xoxb-test", base_url=live_slack.api_url))
    since = int(time.time()) - 60
    wanted = marker(incident_notice("inc-1/1"))
    assert wanted is not None
    channel, _ = poster.post_in("#busy", [], "first", metadata=wanted)
    for n in range(450):
        poster.post_in(channel, [], f"chatter {n}")

    found = poster.find_marked("#busy", wanted, since_s=since)

    assert found is not None
    assert found[0] == channel_id("#busy")
    assert len(live_slack.of("conversations.history")) == 3


def test_a_channel_unknown_to_slack_has_no_post():
    fake = FakeSlack(live_ts=True)
    try:
        assert notifier_for(fake).find(incident_notice(channel="#nowhere"), since_s=0) is None
    finally:
        fake.close()


def test_a_notice_without_a_key_is_neither_marked_nor_looked_for(live_slack):
    notifier = notifier_for(live_slack)
    notifier.post(incident_notice(key=""))

    assert notifier.find(incident_notice(key=""), since_s=0) is None
    assert "metadata" not in live_slack.of("chat.postMessage")[0].params
    assert not [m for m in live_slack.methods() if m.startswith("conversations.")]


@pytest.mark.parametrize(
    ("error", "retryable"),
    [("missing_scope", False), ("not_in_channel", False), ("ratelimited", True)],
)
def test_slack_refusing_to_show_the_history_is_an_error_retryable_as_slack_says(
    live_slack, error, retryable
):
    live_slack.fail[("conversations.history", "*")] = error
    notice = incident_notice(channel=channel_id("#incidents"))

    with pytest.raises(NoticeError) as raised:
        notifier_for(live_slack).find(notice, since_s=0)

    assert raised.value.retryable is retryable
    assert error in str(raised.value)


def test_slack_answering_5xx_is_a_retryable_error(live_slack):
    live_slack.status[("conversations.history", "*")] = 503
    notice = incident_notice(channel=channel_id("#incidents"))

    with pytest.raises(NoticeError) as raised:
        notifier_for(live_slack).find(notice, since_s=0)

    assert raised.value.retryable


class Answers:
    """A WebClient stand-in whose history answers are given (a changed or hostile Slack)."""

    def __init__(self, messages: object, metadata: object = None) -> None:
        self.messages = messages
        self.metadata = metadata
        self.calls = 0

    def conversations_history(self, **_: object) -> dict[str, object]:
        self.calls += 1
        return {"ok": True, "messages": self.messages, "response_metadata": self.metadata}


MARK = {"event_type": EVENT_TYPE, "event_payload": {"notice": "inc-1/7"}}


@pytest.mark.parametrize(
    "messages",
    [
        None,
        "not a list",
        [None, 7, "x", ["ts"]],
        [{"ts": 1700000000.1, "metadata": MARK}],  # ts not a string
        [{"ts": "1.2", "metadata": json.dumps(MARK)}],  # metadata as a string
        [{"ts": "1.2", "metadata": {"event_type": EVENT_TYPE}}],
        [{"ts": "1.2", "metadata": {**MARK, "event_payload": {"notice": "inc-1/8"}}}],
        [{"ts": "1.2", "metadata": {**MARK, "event_type": "someone_else"}}],
    ],
)
def test_history_answers_that_are_not_a_marked_message_find_nothing(messages):
    poster = SlackPoster(Answers(messages))  # type: ignore[arg-type]

    assert poster.find_marked("C0INCIDENTS", MARK, since_s=0) is None


@pytest.mark.parametrize("metadata", [{"next_cursor": 7}, {"next_cursor": ""}, "x", None])
def test_a_bad_or_empty_cursor_ends_the_reading(metadata):
    answers = Answers([], metadata)

    assert SlackPoster(answers).find_marked("C0INCIDENTS", MARK, since_s=0) is None  # type: ignore[arg-type]
    assert answers.calls == 1


def test_a_cursor_without_end_is_followed_a_bounded_number_of_pages():
    answers = Answers([], {"next_cursor": "again"})
    answers_has_more = {"ok": True, "messages": [], "has_more": True}

    def forever(**_: object) -> dict[str, object]:
        answers.calls += 1
        return {**answers_has_more, "response_metadata": {"next_cursor": "again"}}

    answers.conversations_history = forever  # type: ignore[method-assign]

    assert SlackPoster(answers).find_marked("C0INCIDENTS", MARK, since_s=0) is None  # type: ignore[arg-type]
    assert answers.calls == 10


def test_the_found_place_is_the_stored_reference_of_a_post(live_slack):
    notifier = notifier_for(live_slack)
    posted = notifier.post(incident_notice())

    found = notifier.find(incident_notice(), since_s=0)

    assert isinstance(found, Posted)
    assert found.ref == posted.ref == post_ref(channel_id("#incidents"), posted.ref.split(":")[1])
