"""`svcmap serve` killed outright (SIGKILL) while posting an incident posts it exactly once.

A real server on a real store posts into a fake Slack Web API on 127.0.0.1 (which keeps
the messages and answers `conversations.history` with them) and is killed at one of three
moments: Slack has made the post and has not answered; the request never reached Slack;
Slack answered while the store would not take the outcome. A new server started then
records the post once and at once (not after the 5-minute claim): found in the channel by
the mark it carries, posted when it is not there, or recorded from the journal.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.adapters.paging.journal import POSTS_FOLDER, Step, journal_dir, open_sends
from bot.adapters.slack.notifier import EVENT_TYPE
from tests.e2e.test_alert_sigkill import (  # noqa: F401 - the fixtures
    SOON_S,
    alert,
    environment,
    hold_writes,
    kill,
    pagerduty,
    serve,
    servers,
    store,
    wait_until,
)
from tests.integration.conftest import database_url  # noqa: F401 - SQLite and Postgres
from tests.slack.fake_api import FakeSlack, channel_id
from tests.slack.requests import SECRET

INCIDENTS = "#incidents"
LONG_S = 120.0
"""Longer than the test: an answer that never comes."""


@pytest.fixture
def slack():
    fake = FakeSlack(live_ts=True)
    yield fake
    fake.close()


@pytest.fixture
def posting(environment, slack):  # noqa: F811 - the fixture
    environment.update(
        SVCMAP_SLACK_BOT_TOKEN="xoxb-e2e-token",
        SVCMAP_SLACK_SIGNING_SECRET=SECRET,
        SVCMAP_SLACK_API_URL=slack.api_url,
        SVCMAP_INCIDENT_CHANNEL=INCIDENTS,
    )
    return environment


def marked(slack: FakeSlack) -> list[dict[str, object]]:
    """The messages in the incident channel carrying svcmap's mark."""
    return [
        m
        for m in slack.posted_in(INCIDENTS)
        if isinstance(m.get("metadata"), dict) and m["metadata"]["event_type"] == EVENT_TYPE
    ]


def incident_post(engine) -> tuple[str, str | None] | None:
    query = text("SELECT state, ref FROM notifications WHERE kind = 'incident'")
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return None if row is None else (row.state, row.ref)


def posts_journaled(env: dict[str, str], step: Step) -> bool:
    home = Path(env["HOME"]) / ".local/share"
    directory = journal_dir(env["SVCMAP_DATABASE_URL"], data_home=home, folder=POSTS_FOLDER)
    assert directory is not None
    return any(
        entry.step is step
        for path in directory.glob("*.jsonl")
        for entry in open_sends(path.read_bytes().splitlines(keepends=True))
    )


def posted_once_at_once(engine, slack: FakeSlack, started: float) -> None:
    """The post recorded sent where the one marked message is, well before a claim lapses."""
    wait_until(lambda: (incident_post(engine) or ("",))[0] == "sent", SOON_S, "the post recorded")
    assert time.monotonic() - started < SOON_S
    [message] = marked(slack)
    assert incident_post(engine) == ("sent", f"{channel_id(INCIDENTS)}:{message['ts']}")


def test_killed_while_slack_holds_its_answer_the_post_is_found_and_not_made_again(
    posting,
    tmp_path,
    servers,  # noqa: F811 - the fixture
    slack,
    store,  # noqa: F811 - the fixture
):
    slack.stall["chat.postMessage"] = LONG_S  # posted, answered long after the kill
    alert(serve(posting, tmp_path, servers))
    wait_until(lambda: len(marked(slack)) == 1, SOON_S, "the post made")
    wait_until(lambda: posts_journaled(posting, Step.SENDING), SOON_S, "the post journaled")
    kill(servers)
    slack.stall.clear()
    assert incident_post(store) == ("pending", None)

    started = time.monotonic()
    serve(posting, tmp_path, servers)

    posted_once_at_once(store, slack, started)
    assert len(slack.of("chat.postMessage")) == 1
    assert slack.of("conversations.history")


def test_killed_before_the_post_reached_slack_it_is_posted_at_once_and_once(
    posting,
    tmp_path,
    servers,  # noqa: F811 - the fixture
    slack,
    store,  # noqa: F811 - the fixture
):
    slack.lose.add("chat.postMessage")  # the request never reaches Slack ...
    slack.stall["chat.postMessage"] = LONG_S  # ... and the server waits for an answer
    alert(serve(posting, tmp_path, servers))
    slack.wait_for("chat.postMessage", timeout=SOON_S)
    kill(servers)
    slack.lose.clear()
    slack.stall.clear()
    assert marked(slack) == []

    started = time.monotonic()
    serve(posting, tmp_path, servers)

    posted_once_at_once(store, slack, started)
    assert slack.of("conversations.history")  # looked for first, then posted


def test_killed_after_slack_answered_while_the_store_refused_it_is_recorded_from_the_journal(
    posting,
    tmp_path,
    servers,  # noqa: F811 - the fixture
    slack,
    store,  # noqa: F811 - the fixture
):
    with ExitStack() as held:
        slack.before["chat.postMessage"] = hold_writes(
            posting["SVCMAP_DATABASE_URL"], "notifications", held
        )  # the store takes no outcome after Slack's answer
        alert(serve(posting, tmp_path, servers))
        wait_until(lambda: posts_journaled(posting, Step.ACCEPTED), SOON_S, "the answer journaled")
        kill(servers)
    slack.before.clear()
    assert incident_post(store) == ("pending", None)

    started = time.monotonic()
    serve(posting, tmp_path, servers)

    posted_once_at_once(store, slack, started)
    assert len(slack.of("chat.postMessage")) == 1
    assert slack.of("conversations.history") == []  # the journal knew where it is


def test_a_post_made_by_a_server_that_then_stopped_cleanly_is_not_looked_for(
    posting,
    tmp_path,
    servers,  # noqa: F811 - the fixture
    slack,
    store,  # noqa: F811 - the fixture
):
    alert(serve(posting, tmp_path, servers))
    wait_until(lambda: (incident_post(store) or ("",))[0] == "sent", SOON_S, "the post")
    process = servers.pop()
    process.terminate()
    assert process.wait(timeout=15) == 0
    serve(posting, tmp_path, servers)
    time.sleep(1)

    assert len(marked(slack)) == 1
    assert slack.of("conversations.history") == []
    assert not posts_journaled(posting, Step.SENDING)
    assert not posts_journaled(posting, Step.ACCEPTED)
