"""An alert's annotations are redacted as names are, and their secrets hidden, before use."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.usecases.alert_text import redacted_group, safe_links, title_of
from tests.unit.alerts.groups import alert, group
from topology.redaction import DEFAULT_RULES, Redaction, redaction_of
from topology.redaction_text import LONG, TEXT_CHARS, TextRedaction, is_link, redact_secrets

DEFAULTS = Redaction()
SERVICE_LABELS = ("service", "job")
NONE = Redaction(())
KEY = b"k" * 32


def annotated(annotations: dict[str, str], **common: str):
    one = replace(alert(), annotations=annotations)
    return replace(group(one), common_annotations=common)


def test_names_in_a_summary_read_as_the_map_names_them():
    text = TextRedaction(DEFAULT_RULES)

    said = text.text(
        "profile-1234567 fails for ada@example.com from 10.0.3.7"
        " (req 5f0c6a2e-1111-2222-3333-444455556666)"
    )

    assert said == "profile-{num} fails for {email} from {ip} (req {uuid})"


def test_ordinary_alert_text_is_left_as_it_is():
    text = TextRedaction(DEFAULT_RULES)
    summary = (
        "checkout: p99 latency above 500ms for 10m since 03:00:00 (payment-token: unavailable)"
    )

    assert text.text(summary) == summary


def test_credentials_in_alert_text_are_hidden():
    said = redact_secrets(
        'db at postgres://svc:hunter2@db.internal/app, password = hunter2, "api_key": "k-1", '
        "Authorization: Bearer abc.def.ghi, https://x.example.com/hook?token=t0k&org=1 "
        "xoxb-1234567890-abcdefghij ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa AKIAABCDEFGHIJKLMNOP"
    )

    for secret in ("hunter2", "svc:", "k-1", "abc.def.ghi", "t0k", "xoxb-", "ghp_", "AKIA"):
        assert secret not in said
    assert "postgres://{credentials}@db.internal/app" in said
    assert "token={secret}&org=1" in said
    assert "Bearer {secret}" in said


def test_secrets_are_hidden_even_with_the_name_rules_turned_off():
    text = TextRedaction(())

    assert text.text("retry with password=hunter2") == "retry with password={secret}"
    assert text.text("cart-1234567 down") == "cart-1234567 down"


def test_the_settings_own_rules_apply_to_each_word():
    redaction = redaction_of('{"-[a-z0-9]{5}$": "-{pod}"}', defaults=False)
    text = TextRedaction(redaction.rules)

    said = text.text("cart-7x2kq restarted (after cart-x9y8z); cart-v2 kept")

    assert said == "cart-{pod} restarted (after cart-{pod}); cart-v2 kept"


def test_a_link_keeps_its_address_and_loses_its_secrets():
    text = TextRedaction(DEFAULT_RULES)
    runbook = "https://ops:pw@runbooks.example.com/5f0c6a2e-1111-2222-3333-444455556666?sig=s1g"

    assert text.value(runbook) == (
        "https://{credentials}@runbooks.example.com/5f0c6a2e-1111-2222-3333-444455556666?sig={secret}"
    )
    assert is_link(runbook)
    assert not is_link("see https://runbooks.example.com/x")
    assert not is_link("javascript:alert(1)")


def test_a_word_longer_than_a_name_becomes_a_placeholder_and_text_is_cut():
    text = TextRedaction(DEFAULT_RULES)

    assert text.text("blob " + "a1" * 150 + " end") == f"blob {LONG} end"
    assert len(text.text("word " * 10_000)) <= TEXT_CHARS


def test_what_is_remembered_stays_bounded_under_a_flood_of_distinct_values():
    text = TextRedaction(DEFAULT_RULES, memo=64)

    for n in range(1_000):
        assert text.text(f"user-{n:07d} failing") == "user-{num} failing"

    assert text.remembered <= 2 * 64


def test_a_group_has_every_annotation_and_its_links_redacted():
    raw = annotated(
        {"summary": "cart-1234567 failing for ada@example.com", "description": "token=abc"},
        summary="cart-1234567 failing",
        runbook_url="https://u:p@runbooks.example.com/cart?token=abc",
    )
    raw = replace(raw, external_url="https://am:pw@alertmanager.example.com")

    safe = redacted_group(DEFAULTS, raw, services=SERVICE_LABELS, key=KEY)

    assert safe.alerts[0].annotations == {
        "summary": "cart-{num} failing for {email}",
        "description": "token={secret}",
    }
    assert title_of(safe, "cart-{num}") == "cart-{num} failing"
    assert safe_links(safe) == [
        {
            "href": "https://{credentials}@runbooks.example.com/cart?token={secret}",
            "text": "Runbook",
        },
        {"href": "http://prometheus:9090/graph?g0.expr=up", "text": "Alert source"},
        {"href": "https://{credentials}@alertmanager.example.com", "text": "Alertmanager"},
    ]
    assert safe.alerts[0].labels == raw.alerts[0].labels
    assert safe.group_key == raw.group_key


def test_a_group_without_rules_keeps_its_names_but_not_its_secrets():
    raw = annotated({"summary": "cart-1234567 failing, password=hunter2"})

    safe = redacted_group(NONE, raw, services=SERVICE_LABELS, key=KEY)

    assert safe.alerts[0].annotations["summary"] == "cart-1234567 failing, password={secret}"


def test_markup_in_annotations_is_left_for_each_surface_to_escape():
    hostile = "<!channel> *bold* <https://evil.example|click> & </script>"

    assert TextRedaction(DEFAULT_RULES).text(hostile) == hostile


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2_000))
def test_any_text_redacts_to_bounded_text_that_redacts_to_itself(text: str):
    redaction = TextRedaction(DEFAULT_RULES)

    once = redaction.text(text)

    assert len(once) <= 8 * TEXT_CHARS
    assert redaction.text(once) == once


SECRET_CHARS = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=6
)


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=300),
    st.sampled_from(["password", "client_secret", "X-Auth-Token"]),
    SECRET_CHARS,
    st.text(max_size=300),
)
def test_a_secrets_value_never_survives_whatever_surrounds_it(
    before: str, key: str, secret: str, after: str
):
    value = f"Zq9{secret}"
    text = f"{before} {key}={value} {after}"

    said = TextRedaction(()).text(text)

    assert value not in said or value in f"{before} {after}" or len(text) > TEXT_CHARS


def test_a_word_the_cut_goes_through_is_left_out_whole():
    text = TextRedaction(DEFAULT_RULES)
    filler = "x " * ((TEXT_CHARS - 6) // 2)

    said = text.text(f"{filler}ada@example.com tail")

    assert "ada" not in said
    assert said.split() == ["x"] * ((TEXT_CHARS - 6) // 2)
    assert text.text("y" * (TEXT_CHARS + 5)) == LONG


def test_the_service_labels_read_as_the_map_names_the_service_and_other_labels_as_text_does():
    one = alert("cart-1234567", pod="cart-1234567", job="")
    raw = replace(group(one), common_labels={"alertname": "X", "service": "cart-1234567"})

    safe = redacted_group(DEFAULTS, raw, services=SERVICE_LABELS, key=KEY)

    assert safe.alerts[0].labels["service"] == "cart-{num}"
    assert safe.alerts[0].labels["pod"] == "cart-{num}"
    assert safe.alerts[0].labels["job"] == ""
    assert safe.common_labels == {"alertname": "X", "service": "cart-{num}"}
    assert (
        redacted_group(NONE, raw, services=SERVICE_LABELS, key=KEY).alerts[0].labels == one.labels
    )
