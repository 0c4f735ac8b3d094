"""Display names of the people who page from Slack: read once a while, cut, never guessed."""

from slack_sdk.errors import SlackApiError

from bot.adapters.slack import people
from bot.adapters.slack.people import DisplayNames, shown_name


class FakeUsers:
    """Answers `users.info` from a dict; counts the calls; fails for unknown users."""

    def __init__(self, profiles):
        self.profiles = profiles
        self.asked = []

    def users_info(self, *, user):
        self.asked.append(user)
        if user not in self.profiles:
            raise SlackApiError("user_not_found", {"ok": False, "error": "user_not_found"})
        return {"ok": True, "user": {"id": user, "profile": self.profiles[user]}}


class Clock:
    def __init__(self):
        self.now = 1_000.0

    def __call__(self):
        return self.now


def test_a_name_is_read_once_then_again_after_its_time():
    users, clock = FakeUsers({"W1": {"display_name": "ada"}}), Clock()
    names = DisplayNames(users, clock, ttl_s=60)

    assert [names.of("W1"), names.of("W1")] == ["ada", "ada"]
    clock.now += 61
    users.profiles["W1"] = {"display_name": "ada l."}
    assert names.of("W1") == "ada l."
    assert users.asked == ["W1", "W1"]


def test_a_user_slack_cannot_name_is_named_by_nobody_and_asked_again_later():
    users = FakeUsers({})
    names = DisplayNames(users, Clock())

    assert names.of("W404") is None
    assert names.of("W404") is None
    assert users.asked == ["W404", "W404"]


def test_no_more_names_are_kept_than_the_bound(monkeypatch):
    monkeypatch.setattr(people, "KEPT", 3)
    users = FakeUsers({f"W{i}": {"display_name": f"p{i}"} for i in range(10)})
    names = DisplayNames(users, Clock())
    for i in range(10):
        names.of(f"W{i}")
    names.of("W9")
    names.of("W0")
    assert users.asked.count("W9") == 1
    assert users.asked.count("W0") == 2


def test_the_shown_name_is_printable_cut_and_falls_back_to_the_real_name():
    assert (
        shown_name({"profile": {"display_name": " Ada\u202e\n\x07 ", "real_name": "A L"}}) == "Ada"
    )
    assert shown_name({"profile": {"display_name": "", "real_name": "Ada Lovelace"}}) == (
        "Ada Lovelace"
    )
    assert shown_name({"real_name": "Ada", "profile": "not a profile"}) == "Ada"
    assert shown_name({"profile": {"display_name": "x" * 500}}) == "x" * people.NAME_CHARS
    assert shown_name({"profile": {"display_name": "\n\t"}}) is None
    assert shown_name({}) is None
