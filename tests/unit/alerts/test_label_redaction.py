"""Every label value is redacted; group keys and fingerprints are redacted and kept apart."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.settings import load_settings
from bot.usecases.alert_keys import alert_key_secret
from bot.usecases.alert_text import redacted_group
from tests.unit.alerts.groups import alert, group
from topology.incidents.webhook import parse_webhook
from topology.incidents.webhook_body import webhook_body
from topology.redaction import DEFAULT_RULES, Redaction
from topology.redaction_keys import TAG_LETTERS, kept_apart, tag
from topology.redaction_text import TextRedaction

DEFAULTS = Redaction()
NONE = Redaction(())
SERVICES = ("service", "job")
KEY = b"k" * 32
LEAKS = ("10.0.3.7", "ada@example.com", "hunter2-Zq9", "xoxb-1234567890-abcdefghij")


def hostile(ip: str = "10.0.3.7") -> tuple[dict[str, str], str]:
    """Labels carrying an address, an e-mail and secrets; the group key they make."""
    labels = {
        "instance": f"{ip}:9100",
        "pod": "checkout-ada@example.com",
        "dsn": "postgres://app:hunter2-Zq9@db:5432/shop",
        "note": "token xoxb-1234567890-abcdefghij password=hunter2-Zq9",
    }
    key = '{}:{alertname="HighErrorRate", instance="' + ip + ':9100"}'
    return labels, key


def redacted(labels: dict[str, str], key: str, *, rules: Redaction = DEFAULTS, **changes):
    one = alert(**labels, **changes)
    raw = replace(group(one, key=key), group_labels=dict(labels), common_labels=dict(labels))
    return redacted_group(rules, raw, services=SERVICES, key=KEY)


def test_no_address_email_or_secret_in_any_label_value_survives():
    safe = redacted(*hostile())

    shown = repr(safe)
    for leak in LEAKS:
        assert leak not in shown
    labels = safe.alerts[0].labels
    assert labels["instance"] == "{ip}:9100"
    assert labels["pod"] == "checkout-{email}"
    assert labels["dsn"] == "postgres://{credentials}@db:5432/shop"
    assert "hunter2" not in labels["note"]
    assert safe.group_labels == safe.common_labels
    assert safe.group_labels["instance"] == "{ip}:9100"


def test_secrets_in_labels_are_hidden_even_without_redaction_rules():
    safe = redacted(*hostile(), rules=NONE)

    labels = safe.alerts[0].labels
    assert "hunter2-Zq9" not in repr(labels)
    assert labels["instance"] == "10.0.3.7:9100"  # no rule asked for addresses to go


def test_the_group_key_is_redacted_and_tagged_the_same_for_the_same_key():
    labels, key = hostile()

    first, again = redacted(labels, key), redacted(labels, key)

    assert "10.0.3.7" not in first.group_key
    assert first.group_key.startswith('{}:{alertname="HighErrorRate", instance="{ip}:9100"} ~')
    assert first.group_key == again.group_key


def test_two_group_keys_redacted_alike_stay_two():
    one = redacted(*hostile("10.0.3.7"))
    other = redacted(*hostile("10.0.3.8"))

    assert one.group_key != other.group_key
    assert one.group_key.split(" ~")[0] == other.group_key.split(" ~")[0]


def test_a_group_key_redaction_leaves_alone_is_kept_as_it_came():
    safe = redacted({"instance": "web"}, '{}:{alertname="HighErrorRate"}')

    assert safe.group_key == '{}:{alertname="HighErrorRate"}'


def test_a_group_redacted_then_written_for_the_outbox_and_read_back_redacts_to_itself():
    safe = redacted(*hostile())

    back = parse_webhook(webhook_body(safe))

    assert redacted_group(DEFAULTS, back, services=SERVICES, key=KEY) == safe


def test_alertmanagers_fingerprints_are_kept_and_others_are_redacted_and_kept_apart():
    labels, key = hostile()

    kept = redacted(labels, key, fingerprint="b3e6c5a4f2d1e0c9")
    mailed = redacted(labels, key, fingerprint="fp-ada@example.com")
    other = redacted(labels, key, fingerprint="fp-bob@example.com")

    assert kept.alerts[0].fingerprint == "b3e6c5a4f2d1e0c9"
    assert mailed.alerts[0].fingerprint.startswith("fp-{email} ~")
    assert mailed.alerts[0].fingerprint != other.alerts[0].fingerprint


def test_an_alert_without_a_fingerprint_gets_a_keyed_one_from_its_labels_as_they_came():
    labels, key = hostile()

    one = redacted(labels, key, fingerprint="")
    same = redacted(labels, key, fingerprint="")
    other = redacted(hostile("10.0.3.8")[0], key, fingerprint="")

    assert one.alerts[0].fingerprint == same.alerts[0].fingerprint
    assert one.alerts[0].fingerprint != other.alerts[0].fingerprint
    assert len(one.alerts[0].fingerprint) == 16


def test_the_tag_depends_on_the_secret():
    assert tag("x", b"a" * 32) != tag("x", b"b" * 32)
    assert len(tag("x", KEY)) == TAG_LETTERS
    assert tag("x", KEY).isalpha()


def test_the_secret_comes_from_the_anonymise_key_else_the_webhook_credential():
    token = load_settings(alert_token="t" * 20)
    other = load_settings(alert_token="u" * 20)
    anonymising = load_settings(alert_token="t" * 20, anonymise_key="a" * 20)

    assert alert_key_secret(token) != alert_key_secret(other)
    assert alert_key_secret(anonymising) != alert_key_secret(token)
    assert alert_key_secret(anonymising) == alert_key_secret(
        load_settings(alert_token="u" * 20, anonymise_key="a" * 20)
    )
    assert b"t" * 20 not in alert_key_secret(token)


IPS = st.tuples(*(st.integers(0, 255) for _ in range(4))).map(lambda o: ".".join(map(str, o)))
PIECES = st.one_of(
    st.text(max_size=30),
    IPS,
    st.emails(),
    st.sampled_from(["password=hunter2-Zq9", "cart-1234567", " ~abcdefghijklmnopqrst", "{ip}"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=6).map(" ".join), st.lists(PIECES, max_size=6).map(" ".join))
def test_kept_apart_redacts_to_itself_and_keeps_different_keys_apart(one: str, other: str):
    text = TextRedaction(DEFAULT_RULES).text

    shown = kept_apart(one, text, KEY)

    assert kept_apart(shown, text, KEY) == shown
    assert text(shown.split(" ~")[0]) == shown.split(" ~")[0]
    if other not in (one, shown) and kept_apart(other, text, KEY) == shown:
        assert text(one) == one  # only a key kept as it came can be met again
        assert shown == one
