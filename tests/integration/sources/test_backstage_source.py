"""BackstageCatalogSource against a real local HTTP server serving recorded entities."""

from __future__ import annotations

import httpx
import pytest

from bot.adapters.sources import BackstageCatalogSource
from bot.adapters.sources.backstage import FIELDS, PATH
from tests.backstage_pages import INTEGRATION_KEY, component, entities, page
from tests.integration.sources.fakeserver import Answer
from topology.errors import SourceError

TOKEN = "bs-t0ken-0f-the-backstage-backend"


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server.url, timeout=5.0) as made:
        yield made


def test_the_pages_are_followed_by_cursor_and_read_as_one_catalog(server, http):
    first = entities("backstage_catalog-info_component_pagerduty.CONSTRUCTED.yaml")
    second = entities("backstage_example_resource_artists-db.yaml")
    server.json_each(PATH, page(first, "cursor-2"), page(second, "cursor-3"), page([]))

    read = BackstageCatalogSource(http, page_size=1).read()

    assert read.entities == 2
    assert read.catalog.owners == {"artist-lookup": "team-a", "artists-db": "team-a"}
    assert read.catalog.depends_on["artist-lookup"] == ("artists-db", "wayback-archive")
    one, two, three = server.requests
    assert one.query == {
        "filter": ["kind=component", "kind=resource"],
        "limit": ["1"],
        "fields": [FIELDS],
    }
    assert two.query == {"cursor": ["cursor-2"], "limit": ["1"], "fields": [FIELDS]}
    assert three.param("cursor") == "cursor-3"


def test_the_recorded_answer_is_read_in_one_page(server, http, api_fixtures):
    body = (api_fixtures / "backstage_entities_by_query_response.CONSTRUCTED.json").read_bytes()
    server.json(PATH, body)

    read = BackstageCatalogSource(http).read()

    assert read.catalog.team_of("artist-lookup").pagerduty_routing_key == INTEGRATION_KEY
    assert len(server.requests) == 1


def test_the_token_is_sent_as_a_bearer_token_and_the_filters_as_given(server, http):
    server.json(PATH, page([component("web", owner="team-a")]))

    BackstageCatalogSource(http, token=TOKEN, filters=("kind=component,spec.type=service",)).read()

    (seen,) = server.requests
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"
    assert seen.query["filter"] == ["kind=component,spec.type=service"]


def test_a_cursor_given_again_stops_the_paging_with_an_error(server, http):
    server.json_each(
        PATH,
        page([component("a")], "c1"),
        page([component("b")], "c2"),
        page([component("c")], "c1"),
    )

    with pytest.raises(SourceError, match="the next cursor was given before") as caught:
        BackstageCatalogSource(http).read()

    assert len(server.requests) == 3
    assert not caught.value.retryable


def test_a_server_that_always_answers_the_same_cursor_is_asked_twice_only(server, http):
    server.json(PATH, page([component("a")], "same"))

    with pytest.raises(SourceError, match="given before"):
        BackstageCatalogSource(http).read()

    assert len(server.requests) == 2


def test_more_entities_than_allowed_are_refused(server, http):
    server.json(PATH, page([component(f"svc-{n}") for n in range(30)]))

    with pytest.raises(SourceError, match="more than 20 entities"):
        BackstageCatalogSource(http, max_entities=20).read()


def test_a_huge_page_is_read(server, http):
    server.json(PATH, page([component(f"svc-{n}", owner="t") for n in range(5_000)]))

    assert BackstageCatalogSource(http).read().entities == 5_000


@pytest.mark.parametrize(
    ("status", "retryable"), [(401, False), (403, False), (404, False), (429, True), (500, True)]
)
def test_an_error_answer_is_a_source_error_with_its_status(server, http, status, retryable):
    server.answer(PATH, Answer(status, b'{"error":{"name":"Oops","message":"no"}}'))

    with pytest.raises(SourceError) as caught:
        BackstageCatalogSource(http, token=TOKEN).read()

    assert str(caught.value).startswith(f"backstage: GET {PATH}: HTTP {status}")
    assert (caught.value.status, caught.value.retryable) == (status, retryable)


def test_a_token_echoed_back_by_the_server_is_masked_in_the_error(server, http):
    server.answer(PATH, Answer(401, f"invalid token Bearer {TOKEN}".encode()))

    with pytest.raises(SourceError) as caught:
        BackstageCatalogSource(http, token=TOKEN).read()

    assert TOKEN not in str(caught.value)
    assert "Bearer ***" in str(caught.value)
    assert caught.value.status == 401


def test_too_many_requests_carries_the_wait_the_server_asked_for(server, http):
    server.answer(PATH, Answer(429, b"slow down", {"Retry-After": "3"}))

    with pytest.raises(SourceError) as caught:
        BackstageCatalogSource(http).read()

    assert caught.value.retry_after_s == 3.0


def test_a_truncated_page_is_an_error_naming_the_page(server, http):
    body = page([component("a")], "c1")
    server.answer(PATH, Answer(200, body[:-10], {"Content-Type": "application/json"}))

    with pytest.raises(SourceError, match=r"\(page 1\): not JSON: it ends too early"):
        BackstageCatalogSource(http).read()


def test_a_connection_cut_mid_answer_is_retryable(server, http):
    body = page([component("a")])
    server.answer(PATH, Answer(200, body[:20], declared_length=len(body)))

    with pytest.raises(SourceError) as caught:
        BackstageCatalogSource(http, token=TOKEN).read()

    assert caught.value.retryable
    assert TOKEN not in str(caught.value)


def test_a_backstage_behind_a_path_prefix_is_asked_under_it(server):
    server.json("/backstage" + PATH, page([component("a", owner="t")]))

    with httpx.Client(base_url=f"{server.url}/backstage", timeout=5.0) as prefixed:
        assert BackstageCatalogSource(prefixed).read().catalog.owners == {"a": "t"}
