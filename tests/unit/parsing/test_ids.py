"""Ids in one canonical form, whatever format wrote them."""

import pytest

from topology.parsing import ids


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("463ac35c9f6413ad", "463ac35c9f6413ad"),
        ("463AC35C9F6413AD", "463ac35c9f6413ad"),
        ("1", "0000000000000001"),
        ("df84e36b9e2ee3815d07f0867a5be1f", "0df84e36b9e2ee3815d07f0867a5be1f"),
        ("00000000000000000000000000000001", "0000000000000001"),
        ("463ac35c9f6413ad48485a3953bb6124", "463ac35c9f6413ad48485a3953bb6124"),
        ("", None),
        ("xyz", None),
        ("0x1f", None),
        ("a" * 33, None),
        (" 1", None),
        ("\uff11\uff12", None),  # full-width digits
    ],
)
def test_hex_trace_ids_are_lower_cased_and_padded_to_16_or_32_digits(given, canonical):
    assert ids.hex_trace_id(given) == canonical


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("a68c6983a6d81a2", "0a68c6983a6d81a2"),
        ("EEE19B7EC3C1B174", "eee19b7ec3c1b174"),
        ("a" * 17, None),
        ("span-1", None),
        ("", None),
    ],
)
def test_hex_span_ids_are_lower_cased_and_padded_to_16_digits(given, canonical):
    assert ids.hex_span_id(given) == canonical


def test_jaeger_ids_that_are_not_hex_are_kept_verbatim():
    assert ids.jaeger_trace_id("Trace-123") == "Trace-123"
    assert ids.jaeger_span_id("span-2_1") == "span-2_1"
    assert ids.jaeger_span_id("ABC") == "0000000000000abc"


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("W47/95gDgQPSabYzgT/GDA==", "5b8efff798038103d269b633813fc60c"),
        ("W47_95gDgQPSabYzgT_GDA", "5b8efff798038103d269b633813fc60c"),  # URL-safe, unpadded
        ("5B8EFFF798038103D269B633813FC60C", "5b8efff798038103d269b633813fc60c"),
        ("AAAAAAAAAAE=", "0000000000000001"),  # a 64-bit id in base64
        ("!!", None),
    ],
)
def test_otlp_trace_ids_are_hex_or_base64(given, canonical):
    assert ids.otlp_trace_id(given) == canonical


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("7uGbfsPBsXQ=", "eee19b7ec3c1b174"),
        ("eee19b7ec3c1b174", "eee19b7ec3c1b174"),
        ("EEE19B7EC3C1B174", "eee19b7ec3c1b174"),
        ("eee19b7ec3c1b17g", None),  # sixteen characters, not hex, not base64 of 8 bytes
        ("eee19b7ec3c1b17", "0eee19b7ec3c1b17"),
        ("?", None),
    ],
)
def test_otlp_span_ids_are_hex_or_base64(given, canonical):
    assert ids.otlp_span_id(given) == canonical


def test_an_all_zero_id_is_a_null_id():
    assert ids.is_null_id("0000000000000000")
    assert not ids.is_null_id("0000000000000001")
