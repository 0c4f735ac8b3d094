import pytest

from topology.catalog_yaml import load_catalog
from topology.errors import CatalogError
from topology.ownership import Catalog, Team

GOOD = """
teams:
  payments:
    slack_channel: "#payments-oncall"
    pagerduty_routing_key: "R0123456789abcdef0123456789abcdef"   # Events API v2 key
  web:
    slack_channel: "C0123ABCD"
  quiet: {}
  silent:
services:
  payment: payments        # service: team
  checkout: web
"""


def load(text):
    return load_catalog(text, source="owners.yaml")


def test_a_catalog_gives_each_service_its_team_and_each_team_its_contacts():
    catalog = load(GOOD)

    assert catalog.owners == {"payment": "payments", "checkout": "web"}
    assert catalog.team_of("payment") == Team(
        "payments", "#payments-oncall", "R0123456789abcdef0123456789abcdef"
    )
    assert catalog.team_of("checkout") == Team("web", "C0123ABCD", None)
    assert catalog.teams["quiet"] == Team("quiet")
    assert catalog.teams["silent"] == Team("silent")


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n", "teams:\nservices:\n"])
def test_an_empty_file_is_an_empty_catalog(text):
    assert load(text) == Catalog()


def test_teams_may_be_defined_without_services():
    catalog = load("teams:\n  web:\n    slack_channel: '#web'\n")

    assert catalog.owners == {}
    assert catalog.teams["web"].slack_channel == "#web"


def error_of(text):
    with pytest.raises(CatalogError) as caught:
        load(text)
    return str(caught.value)


def test_a_service_owned_by_an_undefined_team_names_the_source_and_the_path():
    text = "teams:\n  payments: {}\nservices:\n  payment: payments-team\n"

    assert error_of(text) == (
        "owners.yaml: services.payment: team 'payments-team' is not defined under teams"
    )


def test_services_without_any_teams_are_rejected():
    assert "services.cart: team 'shop'" in error_of("services:\n  cart: shop\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "owners:\n  a: b\n",
            "owners.yaml: owners: unknown key (expected one of: services, teams)",
        ),
        (
            "teams:\n  web:\n    channel: '#web'\n",
            "owners.yaml: teams.web.channel: unknown key"
            " (expected one of: pagerduty_routing_key, slack_channel)",
        ),
    ],
)
def test_unknown_keys_are_rejected_where_they_are(text, message):
    assert error_of(text) == message


@pytest.mark.parametrize("channel", ["payments", "'#has space'", "'#'", "c0123abcd", "42"])
def test_a_slack_channel_must_look_like_a_channel(channel):
    message = error_of(f"teams:\n  web:\n    slack_channel: {channel}\n")

    assert message.startswith("owners.yaml: teams.web.slack_channel: expected a channel")


def test_an_unquoted_channel_name_read_as_a_comment_is_explained():
    message = error_of("teams:\n  web:\n    slack_channel: #web\n")

    assert "teams.web.slack_channel" in message
    assert "quote" in message


@pytest.mark.parametrize("key", ["''", ""])
def test_a_blank_routing_key_means_the_team_is_not_paged(key):
    catalog = load_catalog(f"teams:\n  web:\n    pagerduty_routing_key: {key}\n", source="o.yaml")
    assert catalog.teams["web"].pagerduty_routing_key is None


@pytest.mark.parametrize("key", ["' padded '", "12345", "[a, b]"])
def test_a_bad_routing_key_is_rejected_without_being_repeated(key):
    message = error_of(f"teams:\n  web:\n    pagerduty_routing_key: {key}\n")

    assert message.startswith("owners.yaml: teams.web.pagerduty_routing_key: expected")
    assert "padded" not in message
    assert "12345" not in message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "owners.yaml: expected a mapping, got list"),
        ("teams: [web]\n", "owners.yaml: teams: expected a mapping, got list"),
        ("teams:\n  web: '#web'\n", "owners.yaml: teams.web: expected a mapping, got str"),
        (
            "teams:\n  web: {}\nservices:\n  cart: [web]\n",
            "owners.yaml: services.cart: expected a team name, got list",
        ),
        (
            "teams:\n  web: {}\nservices:\n  cart:\n",
            "owners.yaml: services.cart: expected a team name, got nothing",
        ),
    ],
)
def test_values_of_the_wrong_shape_are_rejected(text, message):
    assert error_of(text) == message


def test_names_yaml_reads_as_something_else_must_be_quoted():
    message = error_of("teams:\n  web: {}\nservices:\n  on: web\n")

    assert message == "owners.yaml: services: expected names as keys, got True (quote it)"


def test_text_that_is_not_yaml_is_a_catalog_error_with_the_line():
    assert error_of("teams:\n  web: {\n").startswith("owners.yaml: not valid YAML at line")
