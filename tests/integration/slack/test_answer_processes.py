"""Questions answered in worker processes: the same answers, fresh maps, dead workers."""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import shutil
import signal
import time
from collections.abc import Iterator

import pytest
from slack_bolt.context.respond import Respond

from bot.bootstrap import App, build_app
from bot.settings import load_settings
from bot.slack.answer_processes import AnswerProcesses, Question
from bot.slack.bolt import conversation_of
from bot.slack.conversation import Asked
from tests.integration.slack.conftest import NOW, SAMPLES
from tests.slack.fake_api import FakeSlack
from tests.slack.requests import SECRET
from topology.gcpause import SERVING_THRESHOLDS
from topology.model import Call


@pytest.fixture
def app(fake_slack: FakeSlack, tmp_path, shop_db: str) -> Iterator[App]:
    """The server's app over a copy of the sample shop's store."""
    path = tmp_path / "svcmap.db"
    shutil.copyfile(shop_db.removeprefix("sqlite:///"), path)
    settings = load_settings(
        database_url=f"sqlite:///{path}",
        catalog_file=SAMPLES / "owners.yaml",
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SECRET,
        slack_api_url=fake_slack.api_url,
    )
    with build_app(settings) as made:
        yield made


@pytest.fixture
def answers(app: App) -> Iterator[AnswerProcesses]:
    made = AnswerProcesses(app, conversation_of(app), workers=1)
    yield made
    made.close()


def asked(text: str, fake_slack: FakeSlack, hook: str = "1") -> Asked:
    return Asked(text, "W111", "C111", respond=Respond(response_url=fake_slack.response_url(hook)))


def test_a_question_is_answered_by_a_worker_with_its_picture(answers, fake_slack):
    answers.handle(asked(f"blast payment --at {NOW}", fake_slack))

    (message,) = fake_slack.wait_for("chat.postMessage", timeout=60)
    assert "*Blast radius of payment* (owned by payments)" in message.text_of_blocks()
    fake_slack.wait_for("files.completeUploadExternal", timeout=30)


def test_a_worker_answers_with_the_calls_the_server_stored_since_its_last_answer(
    app, answers, fake_slack
):
    question = f"deps payment --down --at {NOW}"
    answers.handle(asked(question, fake_slack))
    (first,) = fake_slack.wait_for("chat.postMessage", timeout=60)
    assert "ledger-db" not in first.text_of_blocks()
    call = Call("payment", "ledger-db", "t-new|s1|payment|c", NOW * 1_000_000 - 60_000_000, False)
    app.store.ingest([call], [], now_s=NOW, source="test", spans=1)
    app.graphs.clear()  # as an import or a refresh pass does

    answers.handle(asked(question, fake_slack))

    _, second = fake_slack.wait_for("chat.postMessage", 2, timeout=30)
    assert "ledger-db" in second.text_of_blocks()


def test_usage_mistakes_are_told_to_the_asker_alone(answers, fake_slack):
    answers.handle(asked("blast", fake_slack))

    (hook,) = fake_slack.wait_for("/hooks/1", timeout=60)
    told = json.loads(hook.body)
    assert told["response_type"] == "ephemeral"
    assert "usage" in told["text"].lower()
    assert "chat.postMessage" not in fake_slack.methods()


def answered_or_told(fake_slack: FakeSlack, posts_before: int, hook: str) -> str:
    """Wait for the question's answer in the channel, or for its asker to be told."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(fake_slack.of("chat.postMessage")) > posts_before:
            return "answered"
        if fake_slack.of(f"/hooks/{hook}"):
            return "told"
        time.sleep(0.05)
    return "nothing"


def test_when_a_worker_dies_its_asker_is_told_and_a_new_worker_answers_the_next(
    answers, fake_slack
):
    answers.handle(asked(f"owners payment --at {NOW}", fake_slack))
    fake_slack.wait_for("chat.postMessage", timeout=60)
    (worker,) = multiprocessing.active_children()

    answers.handle(asked(f"blast payment --at {NOW}", fake_slack, hook="2"))
    os.kill(worker.pid, signal.SIGKILL)

    assert answered_or_told(fake_slack, 1, "2") == "told"
    assert "failed to answer" in json.loads(fake_slack.of("/hooks/2")[0].body)["text"]
    answers.handle(asked(f"owners payment --at {NOW}", fake_slack, hook="3"))
    assert answered_or_told(fake_slack, 1, "3") == "answered"


def test_a_question_travels_to_a_worker_with_its_response_url(fake_slack):
    question = Question.of(asked("deps cart", fake_slack, hook="7"))

    assert question.response_url == fake_slack.response_url("7")
    again = question.asked()
    assert (again.text, again.user, again.channel) == ("deps cart", "W111", "C111")
    assert getattr(again.respond, "response_url", None) == fake_slack.response_url("7")


def test_a_worker_collects_young_objects_as_seldom_as_the_server(answers):
    # A spawned worker starts with CPython's defaults; a blast radius on a large map makes
    # thousands of short-lived objects, each 700 of them a young collection.
    in_worker = answers._pool.submit(gc.get_threshold).result(timeout=60)

    assert in_worker == SERVING_THRESHOLDS
    assert in_worker != (700, 10, 10)
