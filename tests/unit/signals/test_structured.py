import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from topology.signals.structured import READ_CHARS, Structured, structured
from topology.signals.templates import TemplateBook


@pytest.mark.parametrize(
    ("line", "level", "message"),
    [
        (
            {"level": "error", "ts": 1.7e9, "msg": "charge failed", "error": "EOF"},
            "ERROR",
            "charge failed",
        ),
        (
            {"level": 50, "time": 1700000000000, "pid": 7, "msg": "conversion failed"},
            "ERROR",
            "conversion failed",
        ),
        (
            {"message": "request complete", "severity": "debug", "http.req.id": "a1"},
            "DEBUG",
            "request complete",
        ),
        ({"event": "cart emptied", "level": "warning", "user": "u-1"}, "WARN", "cart emptied"),
        (
            {"@t": "2024-01-01T00:00:00Z", "@mt": "Order {Id} placed", "@l": "Error"},
            "ERROR",
            "Order {Id} placed",
        ),
        ({"log.level": "INFO", "message": "ready"}, "INFO", "ready"),
        (
            {"level": "info", "logger": "c.t.PayController", "message": "paid"},
            "INFO",
            "c.t.PayController paid",
        ),
        (
            # log4j2's JsonLayout
            {"level": "WARN", "loggerName": "hipstershop.AdService", "message": "no ads"},
            "WARN",
            "hipstershop.AdService no ads",
        ),
        (
            {"level": "error", "caller": "cart/store.go:42", "msg": "x"},
            "ERROR",
            "cart/store.go:42 x",
        ),
        ({"logger": "c.t.PayController"}, "UNSET", None),
        ({"level": "loud", "msg": "x"}, "UNSET", "x"),
        ({"level": 35, "msg": "x"}, "UNSET", "x"),
        ({"level": True, "msg": "x"}, "UNSET", "x"),
        ({"msg": {"nested": 1}, "text": "  ", "ok": 1}, "UNSET", None),
    ],
)
def test_a_json_line_gives_its_level_and_message_fields(line, level, message):
    assert structured(json.dumps(line)) == Structured(level, message)


@pytest.mark.parametrize(
    "body", ["[1, 2]", '{"msg": "cut mid-', "plain text", ' {"msg": "x"}', "", "{}}"]
)
def test_what_is_not_one_json_object_is_no_structured_line(body):
    assert structured(body) is None


def test_a_json_body_nested_too_deep_to_decode_is_no_structured_line():
    assert structured('{"a":' + "[" * 30_000 + "]" * 30_000 + "}") is None


def test_a_json_body_longer_than_the_read_limit_is_not_decoded():
    body = json.dumps({"msg": "big", "data": "x" * READ_CHARS})
    assert structured(body) is None


def test_lines_of_one_message_with_other_fields_changing_share_a_template():
    book = TemplateBook({})
    first = structured(json.dumps({"msg": "charge failed", "req": "9f2c", "path": "/a/b"}))
    second = structured(json.dumps({"msg": "charge failed", "req": "77e1", "path": "/c"}))
    assert first is not None
    assert second is not None
    assert book.template_of("pay", first.message) == book.template_of("pay", second.message)


def test_alike_messages_of_two_loggers_keep_templates_of_their_own():
    def mined(logger, what):
        line = {"level": "info", "logger": logger, "message": f"TraceID: 9bd7 [find][{what}]"}
        found = structured(json.dumps(line))
        assert found is not None
        return book.template_of("price", found.message)

    book = TemplateBook({})
    controller = mined("p.c.PriceController#46", "Query price")
    service = mined("p.s.PriceServiceImpl#71", "Route found")

    assert controller != service
    assert mined("p.c.PriceController#46", "Query price") == controller


@given(st.text(max_size=200))
def test_any_text_gives_a_structured_line_or_none_never_a_crash(body):
    found = structured("{" + body)
    assert found is None or isinstance(found, Structured)
