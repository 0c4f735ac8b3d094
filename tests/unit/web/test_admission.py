import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from bot.web.admission import (
    SLACK_TEAM_CLAIM,
    SLACK_USER_CLAIM,
    Identity,
    Rules,
    admit,
    for_source,
    from_trusted_proxy,
    identity_from_claims,
    identity_from_proxy,
    networks,
)

ONCALL = {"S0ONCALL": frozenset({"U0ALICE"})}
SLACK_RULES = Rules(slack_workspace="T0SHOP", slack_groups=frozenset({"S0ONCALL"}))


def slack_claims(user: str = "U0ALICE", team: str = "T0SHOP") -> dict[str, object]:
    return {
        "sub": user,
        "email": "Alice@Shop.Example",
        "email_verified": True,
        SLACK_USER_CLAIM: user,
        SLACK_TEAM_CLAIM: team,
    }


def test_a_slack_member_of_an_allowed_group_in_the_workspace_is_let_in():
    who = identity_from_claims(slack_claims(), "groups")
    assert who is not None
    assert admit(who, SLACK_RULES, ONCALL).allowed


def test_a_slack_user_of_another_workspace_or_outside_the_groups_is_refused():
    stranger = identity_from_claims(slack_claims(team="T0OTHER"), "groups")
    outsider = identity_from_claims(slack_claims(user="U0BOB"), "groups")
    assert stranger is not None
    assert outsider is not None

    assert "workspace" in admit(stranger, SLACK_RULES, ONCALL).reason
    assert "user groups" in admit(outsider, SLACK_RULES, ONCALL).reason


def test_emails_match_whole_or_by_domain_and_only_when_verified():
    rules = Rules(emails=frozenset({"@shop.example", "bob@partner.example"}))
    unverified = identity_from_claims({**slack_claims(), "email_verified": False}, "groups")
    assert unverified is not None

    assert admit(Identity("a", email="alice@shop.example"), rules, {}).allowed
    assert admit(Identity("b", email="bob@partner.example"), rules, {}).allowed
    assert not admit(Identity("c", email="carol@partner.example"), rules, {}).allowed
    assert not admit(Identity("d", email="d@evilshop.example"), rules, {}).allowed
    assert not admit(unverified, rules, {}).allowed
    assert unverified.email == ""


def test_the_groups_claim_must_share_a_group_with_the_allowed_ones():
    rules = Rules(groups=frozenset({"sre"}))
    member = identity_from_claims({"sub": "x", "groups": ["dev", "sre"]}, "groups")
    other = identity_from_claims({"sub": "y", "groups": "sre"}, "groups")  # not a list
    assert member is not None
    assert other is not None

    assert admit(member, rules, {}).allowed
    assert not admit(other, rules, {}).allowed


def test_slack_rules_are_not_asked_of_proxy_or_other_sign_ins():
    rules = Rules(emails=frozenset({"@shop.example"}), slack_groups=frozenset({"S0ONCALL"}))
    proxied = identity_from_proxy("alice", "alice@shop.example")
    assert proxied is not None

    assert admit(proxied, for_source(rules, slack=False), {}).allowed
    assert not admit(proxied, for_source(rules, slack=True), {}).allowed


def test_a_token_without_a_subject_names_nobody_and_long_claims_are_cut():
    assert identity_from_claims({"email": "a@b.example"}, "groups") is None
    assert identity_from_claims({"sub": 12}, "groups") is None
    who = identity_from_claims({"sub": "s" * 10_000, "groups": ["g"] * 10_000}, "groups")
    assert who is not None
    assert len(who.subject) == 200
    assert who.groups == frozenset({"g"})


def test_a_proxy_user_header_counts_only_from_a_trusted_address():
    proxies = networks(("10.0.0.7/32", "fd00::/64"))

    assert from_trusted_proxy("10.0.0.7", proxies)
    assert from_trusted_proxy("fd00::1", proxies)
    assert not from_trusted_proxy("10.0.0.8", proxies)
    assert not from_trusted_proxy("127.0.0.1", proxies)
    assert not from_trusted_proxy(None, proxies)
    assert not from_trusted_proxy("not an address", proxies)
    assert not from_trusted_proxy("10.0.0.7", ())


def test_an_empty_overlong_or_control_character_proxy_user_names_nobody():
    assert identity_from_proxy(None, None) is None
    assert identity_from_proxy("  ", "a@b.example") is None
    assert identity_from_proxy("x" * 201, None) is None
    assert identity_from_proxy("alice\nbob", None) is None
    assert identity_from_proxy("alice", "A@B.example") == Identity("alice", email="a@b.example")


@given(st.dictionaries(st.text(max_size=30), st.recursive(st.none() | st.text(), st.lists)))
def test_any_claims_give_a_person_or_nobody(claims):
    who = identity_from_claims(claims, "groups")
    assert who is None or (who.subject and admit(who, Rules(), {}).allowed)


@given(st.ip_addresses())
def test_any_address_is_inside_a_network_or_not(address):
    proxies = networks(("10.0.0.0/8",))
    inside = isinstance(address, ipaddress.IPv4Address) and address in proxies[0]
    assert from_trusted_proxy(str(address), proxies) is inside
