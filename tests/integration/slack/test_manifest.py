"""The Slack app manifest in deploy/ asks for what svcmap uses, and nothing more."""

from pathlib import Path

import yaml

from bot.slack.grammar import COMMAND

MANIFEST = Path(__file__).resolve().parents[3] / "deploy" / "slack" / "manifest.yaml"
ROUTE = "/slack/events"
NEEDED = {
    "commands": "the /svcmap command",
    "chat:write": "chat.postMessage and chat.postEphemeral",
    "chat:write.public": "answering in public channels it was not invited to",
    "files:write": "files.getUploadURLExternal and files.completeUploadExternal",
    "usergroups:read": "usergroups.users.list, for access by user group",
    "app_mentions:read": "the app_mention event",
    "users:read": "users.info, for the display name of who pages (SVCMAP_PAGE_PRESSER_NAME)",
    "channels:history": "conversations.history/replies: was a post made before a crash?",
    "groups:history": "the same in private channels",
    "channels:read": "conversations.list: a channel named in settings, by its ID",
    "groups:read": "the same for private channels",
}


def manifest() -> dict[str, object]:
    loaded = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_manifest_declares_the_svcmap_command_at_the_slack_route() -> None:
    (command,) = manifest()["features"]["slash_commands"]  # type: ignore[index]
    assert command["command"] == COMMAND
    assert command["url"].endswith(ROUTE)
    assert len(command["description"]) <= 100
    assert len(command["usage_hint"]) <= 100


def test_interactivity_and_events_go_to_the_same_route() -> None:
    settings = manifest()["settings"]
    assert settings["interactivity"]["is_enabled"] is True  # type: ignore[index]
    assert settings["interactivity"]["request_url"].endswith(ROUTE)  # type: ignore[index]
    events = settings["event_subscriptions"]  # type: ignore[index]
    assert events["request_url"].endswith(ROUTE)
    assert events["bot_events"] == ["app_mention"]


def test_the_bot_scopes_are_exactly_those_svcmap_uses() -> None:
    scopes = manifest()["oauth_config"]["scopes"]["bot"]  # type: ignore[index]
    assert sorted(scopes) == sorted(NEEDED)


def test_every_placeholder_address_is_the_documented_one() -> None:
    text = MANIFEST.read_text(encoding="utf-8")
    assert text.count("https://svcmap.example.com/slack/events") == 3
