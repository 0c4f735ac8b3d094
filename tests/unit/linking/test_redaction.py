"""Names are redacted as they come in: the default rules, extra rules, and bad rules refused."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from topology.model import MAX_NAME_LENGTH, Span, SpanKind
from topology.redaction import DEFAULT_RULES, Redaction, parse_rules, redaction_of
from topology.signals.model import LogRecord, MetricPoint
from topology.stats import EdgeStats

REDACTED = [
    ("notify:alice.smith+test@example.co.uk", "notify:{email}"),
    ("user-alice@example.com", "user-{email}"),  # hyphens join the parts of names
    ("orders-123e4567-e89b-12d3-a456-426614174000", "orders-{uuid}"),
    ("cache-10.0.3.7", "cache-{ip}"),
    ("ip-10-0-1-23.ec2.internal", "ip-{ip}.ec2.internal"),
    ("redis://[fe80::1]:6379", "redis://[{ip}]:6379"),
    ("svc-2001:db8::8a2e:370:7334", "svc-{ip}"),
    ("worker_7f3a9b2c1d", "worker_{hex}"),
    ("session-ab12cd34ef", "session-{hex}"),
    ("user1234567", "user{num}"),
    ("report-20260501-export", "report-{num}-export"),
    ("a@b.io,c@d.io", "{email},{email}"),
]
KEPT = [
    "checkout",
    "payment-v2",
    "v1.2.3",
    "postgres:5432",
    "node-12345",
    "deadbeefcafe",
    "10.0.0.256",
    "1.2.3.4.5",
    "a::b",
    "frontend-proxy",
    "kafka",
    "db.orders",
]


@pytest.mark.parametrize(("name", "redacted"), REDACTED)
def test_default_rules_replace_what_names_a_person_a_host_or_a_request(name, redacted):
    assert Redaction().name(name) == redacted


@pytest.mark.parametrize("name", KEPT)
def test_default_rules_leave_ordinary_service_names_alone(name):
    assert Redaction().name(name) == name


def test_many_users_make_one_name():
    redaction = Redaction()
    names = {redaction.name(f"cart-{n:08d}") for n in range(1000)}
    names |= {redaction.name(f"profile/user{n}@shop.example") for n in range(1000)}
    assert names == {"cart-{num}", "profile/{email}"}


@given(st.text(max_size=MAX_NAME_LENGTH))
def test_redacting_twice_changes_nothing_more(name):
    redaction = Redaction()
    once = redaction.name(name)
    assert redaction.name(once) == once
    assert len(once) <= MAX_NAME_LENGTH


@given(st.text(alphabet="0123456789abcdef@.:-_xyz", max_size=80))
def test_no_long_number_survives_the_defaults(name):
    assert not re.search(r"\d{6,}", Redaction().name(name))


def test_placeholders_are_safe_in_slack_dot_and_html():
    for rule in DEFAULT_RULES:
        assert re.fullmatch(r"\{[a-z]+\}", rule.placeholder)


def test_extra_rules_come_first_and_the_defaults_can_be_turned_off():
    rules = '{"-[a-z0-9]{5}$": "-{pod}", "^tenant-[a-z]+": "tenant-{tenant}"}'
    both = redaction_of(rules, defaults=True)
    assert both.name("checkout-x2k4p") == "checkout-{pod}"
    assert both.name("tenant-acme-orders") == "tenant-{tenant}-orders"
    assert both.name("cart-1234567") == "cart-{num}"
    extra_only = redaction_of(rules, defaults=False)
    assert extra_only.name("cart-1234567") == "cart-1234567"
    assert extra_only.name("checkout-x2k4p") == "checkout-{pod}"
    assert not redaction_of("", defaults=False)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("not json", "not JSON"),
        ('["a", "b"]', "a JSON object"),
        ('{"(": "{x}"}', 'rule "(": not a regular expression'),
        ('{"x*": "{x}"}', "matches the empty string"),
        ('{"x": ""}', "non-empty string"),
        ('{"x": 7}', "non-empty string"),
        ('{"x": "a\\u0000b"}', "printable"),
        ('{"x": "{id-42424242}"}', "would itself be redacted"),
        ('{"a": "{a}"}', "would itself be redacted"),
        ("{" + ",".join(f'"r{i}": "{{x}}"' for i in range(101)) + "}", "at most 100"),
    ],
)
def test_bad_rules_are_refused_saying_what_is_wrong(text, said):
    with pytest.raises(ValueError, match=re.escape(said)):
        redaction_of(text, defaults=True)


def test_rules_keep_their_order():
    rules = parse_rules('{"b": "{second}", "a": "{first}"}')
    assert [rule.placeholder for rule in rules] == ["{second}", "{first}"]


def test_spans_edges_logs_and_metrics_are_redacted_where_they_name_services():
    redaction = Redaction()
    span = Span("t1", "s1", None, SpanKind.CLIENT, "cart-1234567", "db-10.0.0.9")
    span.inferred_peer = "orders-9f8e7d6c5b"
    redaction.spans([span])
    assert (span.local_service, span.remote_service, span.inferred_peer) == (
        "cart-{num}",
        "db-{ip}",
        "orders-{hex}",
    )
    merged = redaction.edges(
        [EdgeStats("web", "user-1111111", calls=2), EdgeStats("web", "user-2222222", calls=3)]
    )
    assert [(e.parent, e.child, e.calls) for e in merged] == [("web", "user-{num}", 5)]
    (record,) = redaction.log_records([LogRecord("job-7777777", 60, "INFO", "started", 1)])
    (point,) = redaction.metric_points([MetricPoint("job-7777777", "cpu", 60, 0.5)])
    assert record.service == point.service == "job-{num}"


def test_a_huge_name_is_cut_before_the_rules_read_it():
    # The rules read at most MAX_NAME_LENGTH characters of a name, however long it comes.
    redaction = Redaction()
    assert redaction.name("x" * 1_000_000 + "@example.com") == "x" * MAX_NAME_LENGTH
    assert redaction.name("y" * (MAX_NAME_LENGTH - 3) + "1234567") == "y" * 197 + "123"
    assert redaction.remembered == 2


def test_the_memory_of_names_is_bounded():
    redaction = Redaction(memo=100)
    for n in range(1000):
        assert redaction.name(f"svc-{n:07d}") == "svc-{num}"
    assert redaction.remembered <= 100


def test_every_span_of_a_batch_takes_its_names_redaction_one_by_one():
    redaction = Redaction()
    names = [None, "cart-1234567", "web", "db-10.0.0.9", "orders-9f8e7d6c5b", "web "]
    spans = [
        Span("t", f"s{i}", None, SpanKind.CLIENT, names[i % 6], names[(i + 1) % 6])
        for i in range(30)
    ]
    for i, span in enumerate(spans):
        span.inferred_peer = names[(i + 2) % 6]
    expected = [
        tuple(
            redaction.optional(name)
            for name in (s.local_service, s.remote_service, s.inferred_peer)
        )
        for s in spans
    ]

    redaction.spans(spans)

    assert [(s.local_service, s.remote_service, s.inferred_peer) for s in spans] == expected
    assert expected[1] == ("cart-{num}", "web", "db-{ip}")
