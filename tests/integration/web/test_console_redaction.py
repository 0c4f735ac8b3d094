"""The web view names services as their traces do; the map holds the names redacted.

Its console (`/api/answer`), the map's focus, a service's series and the search find the
node a raw name became and never send the redacted part back, as the command line and
Slack do; with redaction off, names are asked as they are stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from bot.bootstrap import App
from tests.integration.web.conftest import TestClient
from tests.integration.web.test_redacted_names import JSON, user_calls

AT = "1700000070"
RAW = "1234567"

Client = tuple[App, TestClient]


@pytest.fixture
def flooded(make_client: Callable[..., Client]) -> Callable[..., TestClient]:
    """A client whose store holds `cart-1234567` calling `profile-1234567`, as sent."""

    def make(**overrides: object) -> TestClient:
        _, client = make_client(**overrides)
        answer = client.post("/v1/traces", content=user_calls(RAW, "1" * 32), headers=JSON)
        assert answer.status_code == 200, answer.text
        return client

    return make


@pytest.mark.parametrize(
    "question",
    [
        f"deps cart-{RAW}",
        f"blast profile-{RAW}",
        f"owners cart-{RAW}",
        f"path cart-{RAW} users-10.1.2.3",
        f"simulate down profile-{RAW}",
    ],
)
def test_the_console_answers_a_raw_name_about_its_node_and_never_echoes_it(flooded, question):
    client = flooded()

    answered = client.post("/api/answer", json={"text": f"{question} --at {AT}"})

    assert answered.status_code == 200, answered.text
    shown = answered.json()
    assert not shown["ephemeral"], shown["html"]
    assert "{num}" in shown["html"]
    assert RAW not in json.dumps(shown)  # blocks, buttons and their values, picture


def test_the_console_asks_root_causes_of_the_node_a_raw_name_became(flooded):
    client = flooded()

    raw = client.post("/api/answer", json={"text": f"rca cart-{RAW} --at {AT}"}).json()
    placeholder = client.post("/api/answer", json={"text": f"rca cart-{{num}} --at {AT}"}).json()

    assert RAW not in json.dumps(raw)
    assert "cart-{num}" in raw["html"]  # the question echoed, as asked of the map
    assert raw["html"].split("</code>")[1] == placeholder["html"].split("</code>")[1]


def test_the_console_tells_an_unknown_raw_name_redacted(flooded):
    client = flooded()

    answered = client.post("/api/answer", json={"text": f"deps orders-ada@example.com --at {AT}"})

    shown = answered.json()
    assert shown["ephemeral"]
    assert "orders-{email}" in shown["html"]
    assert "ada@example.com" not in json.dumps(shown)


def test_the_map_focuses_on_the_node_a_raw_name_became(flooded):
    client = flooded()

    drawn = client.get("/api/map", params={"focus": f"cart-{RAW}", "at": AT})

    assert drawn.status_code == 200, drawn.text
    assert "cart-{num}" in drawn.json()["nodes"].values()
    assert RAW not in drawn.text


def test_an_unknown_raw_focus_is_told_redacted(flooded):
    client = flooded()

    drawn = client.get("/api/map", params={"focus": "orders-ada@example.com", "at": AT})

    assert drawn.status_code == 404
    assert "ada@example.com" not in drawn.text


def test_a_series_asked_by_its_raw_name_is_the_nodes(flooded):
    client = flooded()

    found = client.get("/api/series", params={"service": f"profile-{RAW}", "at": AT})

    assert found.status_code == 200, found.text
    assert found.json()["service"] == "profile-{num}"
    assert sum(found.json()["requests"]) == 1
    assert RAW not in found.text


def test_the_search_finds_the_node_a_raw_name_became(flooded):
    client = flooded()

    found = client.get("/api/search", params={"q": f"cart-{RAW}", "at": AT}).json()
    part = client.get("/api/search", params={"q": "cart", "at": AT}).json()

    assert [service["name"] for service in found["services"]] == ["cart-{num}"]
    assert [service["name"] for service in part["services"]] == ["cart-{num}"]


def test_with_redaction_off_the_web_view_asks_names_as_stored(flooded):
    client = flooded(redact_defaults=False)

    answered = client.post("/api/answer", json={"text": f"deps cart-{RAW} --at {AT}"}).json()
    drawn = client.get("/api/map", params={"focus": f"cart-{RAW}", "at": AT})

    assert f"profile-{RAW}" in answered["html"]
    assert f"cart-{RAW}" in drawn.json()["nodes"].values()
