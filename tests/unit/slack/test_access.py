from bot.slack.access import AccessPolicy

MEMBERS = {"S_ONCALL": frozenset({"U1"}), "S_SRE": frozenset({"U1", "U2"})}


def test_with_nothing_set_everyone_may_ask_and_nobody_may_page() -> None:
    policy = AccessPolicy()
    assert policy.may_ask("U9", "C9", {}).allowed
    refused = policy.may_page("U9", "C9", {})
    assert not refused.allowed
    assert "not turned on" in refused.reason


def test_asking_is_limited_to_the_allowed_channels() -> None:
    policy = AccessPolicy(ask_channels=frozenset({"C1"}))
    assert policy.may_ask("U9", "C1", {}).allowed
    refused = policy.may_ask("U9", "C2", {})
    assert not refused.allowed
    assert "channels" in refused.reason


def test_asking_is_limited_to_members_of_the_allowed_groups() -> None:
    policy = AccessPolicy(ask_groups=frozenset({"S_SRE"}))
    assert policy.may_ask("U2", "C1", MEMBERS).allowed
    assert not policy.may_ask("U3", "C1", MEMBERS).allowed
    assert not policy.may_ask("U2", "C1", {}).allowed


def test_paging_needs_its_own_group_even_for_those_who_may_ask() -> None:
    policy = AccessPolicy(ask_groups=frozenset({"S_SRE"}), page_groups=frozenset({"S_ONCALL"}))
    assert policy.groups == {"S_SRE", "S_ONCALL"}
    assert policy.may_ask("U2", "C1", MEMBERS).allowed
    assert not policy.may_page("U2", "C1", MEMBERS).allowed
    assert policy.may_page("U1", "C1", MEMBERS).allowed


def test_paging_from_a_channel_outside_the_paging_channels_is_refused() -> None:
    policy = AccessPolicy(page_channels=frozenset({"C_INCIDENT"}))
    assert policy.may_page("U1", "C_INCIDENT", {}).allowed
    assert not policy.may_page("U1", "C_RANDOM", {}).allowed


def test_someone_who_may_not_ask_may_not_page_either() -> None:
    policy = AccessPolicy(ask_channels=frozenset({"C1"}), page_channels=frozenset({"C2"}))
    assert not policy.may_page("U1", "C2", {}).allowed
