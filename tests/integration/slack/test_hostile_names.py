"""Service names come from traces: whatever they hold, they cannot mention, link or format
in Slack, and they cannot break the picture."""

import html
import json
import shlex
from collections.abc import Callable
from pathlib import Path

from bot.bootstrap import build_app, import_desk
from bot.settings import load_settings
from bot.usecases.importing import import_file
from tests.integration.slack.conftest import Slack
from tests.otlp_exports import as_json, frontend_calls_cart
from tests.slack.fake_api import FakeSlack

CALLER = '<!channel> *bold* `tick` "quote" \\ </b>'
CALLEE = "pay<@U0ADMIN>&amp;<https://evil.example|here> ```"


def hostile_db(path: Path) -> str:
    spans = frontend_calls_cart()
    export = as_json({CALLER: spans["frontend"], CALLEE: spans["cart"]})
    traces = path / "hostile.json"
    traces.write_bytes(export)
    url = f"sqlite:///{path / 'hostile.db'}"
    with build_app(load_settings(database_url=url)) as app:
        import_file(import_desk(app), traces)
    return url


def no_raw_markup(text: str) -> None:
    for danger in ("<!channel>", "<@U0ADMIN>", "<https://evil.example", "</b>"):
        assert danger not in text


def test_hostile_names_are_escaped_in_the_answer_and_drawn_in_the_picture(
    make_slack: Callable[..., Slack], tmp_path: Path
) -> None:
    slack = make_slack(database_url=hostile_db(tmp_path))
    typed = html.escape(f"blast {shlex.quote(CALLEE)}", quote=False)  # as Slack escapes it
    slack.command(typed)
    (message,) = slack.fake.wait_for("chat.postMessage")
    shown = message.mrkdwn_of_blocks()  # plain_text labels show names as they are
    no_raw_markup(shown)
    no_raw_markup(str(message.params["text"]))
    assert "&lt;!channel&gt;" in shown
    assert "pay&lt;@U0ADMIN&gt;&amp;amp;" in shown
    outside_code = "".join(shown.split("```")[::2])
    assert "*bold*" not in outside_code  # a name cannot turn bold
    slack.fake.wait_for("files.completeUploadExternal")
    (picture,) = slack.fake.uploads.values()
    assert picture.startswith(b"\x89PNG")
    buttons = [
        element["value"]
        for block in message.blocks()
        if block["type"] == "actions"
        for element in block["elements"]
        if "value" in element
    ]
    assert any(CALLEE in shlex.split(value) for value in buttons)


def test_a_hostile_name_in_a_mistake_is_escaped_in_the_whisper(
    make_slack: Callable[..., Slack], tmp_path: Path
) -> None:
    slack = make_slack(database_url=hostile_db(tmp_path))
    slack.command("blast '<!here> nobody'")
    (hook,) = slack.fake.wait_for("/hooks/1")
    answer = json.loads(hook.body)["text"]
    assert "<!here>" not in answer
    assert "&lt;!here&gt;" in answer


def test_fake_slack_is_loopback_only() -> None:
    fake = FakeSlack()
    try:
        assert fake.url.startswith("http://127.0.0.1:")
    finally:
        fake.close()
