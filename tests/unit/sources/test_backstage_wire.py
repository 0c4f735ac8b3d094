"""Backstage by-query answers read by the pure parsing function."""

from __future__ import annotations

import json

import pytest

from bot.adapters.sources.backstage import parse_page
from tests.backstage_pages import INTEGRATION_KEY, component, entities, page
from topology.catalog_backstage import Entity
from topology.errors import SourceError


def test_the_recorded_answer_gives_owner_dependencies_and_the_paging_key(payload):
    read = parse_page(payload("backstage_entities_by_query_response.CONSTRUCTED.json"), source="b")

    (entity,) = read.entities
    assert (entity.kind, entity.name, entity.namespace) == ("component", "artist-lookup", "default")
    assert (entity.type, entity.owner) == ("service", "team-a")
    assert entity.depends_on == ("resource:artists-db", "component:wayback-archive")
    assert entity.pagerduty_routing_key == INTEGRATION_KEY
    assert entity.slack_channel is None
    assert (read.notes, read.next_cursor) == ([], None)


def test_the_documented_example_is_a_component_with_no_spec_and_a_next_cursor(payload):
    read = parse_page(payload("backstage_entities_by_query_docs_example.json"), source="b")

    assert read.entities == [Entity("component", "foo")]
    assert read.next_cursor == "a-cursor"


def test_a_resource_is_read_and_other_kinds_are_skipped_without_a_note():
    items = entities("pagerduty_backstage_plugins_example_entities.yaml")
    items += entities("backstage_example_resource_artists-db.yaml")

    read = parse_page(page(items), source="b")

    assert [(e.kind, e.name, e.type) for e in read.entities] == [
        ("component", "example-website", "website"),
        ("component", "second-service", "website"),
        ("resource", "artists-db", "database"),
    ]
    assert read.notes == []


def test_the_paging_key_never_shows_in_the_repr_of_an_entity():
    read = parse_page(
        page(entities("backstage_catalog-info_component_pagerduty.CONSTRUCTED.yaml")), source="b"
    )

    assert INTEGRATION_KEY not in repr(read)


def test_a_slack_channel_is_read_from_either_annotation_and_a_user_is_not_a_channel():
    def annotated(name, annotations):
        item = component(name, owner="team-a")
        item["metadata"]["annotations"] = annotations
        return item

    read = parse_page(
        page(
            [
                annotated("a", {"slack.com/channel": "#a-team"}),
                annotated("b", {"slack.com/bot-notify": "C0123ABCD"}),
                annotated("c", {"slack.com/bot-notify": "b-team"}),
                annotated("d", {"slack.com/bot-notify": "U0123ABCD"}),
            ]
        ),
        source="b",
    )

    assert [e.slack_channel for e in read.entities] == ["#a-team", "C0123ABCD", "#b-team", None]
    assert read.notes == [
        "component:default/d: annotation slack.com/bot-notify is not a Slack channel; not used"
    ]


def test_a_malformed_integration_key_is_left_unused_and_never_quoted():
    item = component("pay", owner="team-a")
    item["metadata"]["annotations"] = {"pagerduty.com/integration-key": "secret value"}

    read = parse_page(page([item]), source="b")

    assert read.entities[0].pagerduty_routing_key is None
    assert "secret" not in " ".join(read.notes)
    assert "pagerduty.com/integration-key is not one word" in read.notes[0]


@pytest.mark.parametrize(
    ("broken", "why"),
    [
        ({"kind": "Component", "metadata": {}}, "field `name` - at `$.metadata`"),
        ({"kind": "Component", "metadata": {"name": 7}}, "`$.metadata.name`"),
        (
            {"kind": "Component", "metadata": {"name": "x"}, "spec": {"owner": ["a"]}},
            "`$.spec.owner`",
        ),
        (
            {"kind": "Component", "metadata": {"name": "x"}, "spec": {"dependsOn": "y"}},
            "`$.spec.dependsOn`",
        ),
        ({"metadata": {"name": "x"}}, "`kind`"),
        ("not an entity", "Expected `object`"),
    ],
)
def test_an_entity_missing_fields_is_left_out_with_a_note_and_the_others_are_kept(broken, why):
    read = parse_page(page([broken, component("kept", owner="team-a")]), source="b")

    assert [e.name for e in read.entities] == ["kept"]
    (note,) = read.notes
    assert note.startswith("items[0]: left out: ")
    assert why in note


@pytest.mark.parametrize("name", ["", "-leading", "a" * 64, "two words", "bad/slash", "ctl\x07"])
def test_an_entity_with_an_invalid_name_is_left_out(name):
    read = parse_page(page([component(name, owner="team-a")]), source="b")

    assert read.entities == []
    assert read.notes == ["items[0]: left out: not a valid entity name or namespace"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            b'{"items": [{"kind": "Component", "metadata": {"name": "fo',
            "not JSON: it ends too early",
        ),
        (b"<html>502 Bad Gateway</html>", "not JSON"),
        (b'{"totalItems": 0, "pageInfo": {}}', "not the expected answer"),
        (b'{"items": {}, "pageInfo": {}}', "not the expected answer"),
        (b'{"items": [], "pageInfo": {"nextCursor": 5}}', "not the expected answer"),
        (b"[]", "not the expected answer"),
        (b"", "not JSON"),
    ],
)
def test_an_answer_that_is_not_a_page_fails_with_the_source_named(body, problem):
    with pytest.raises(SourceError, match=problem) as caught:
        parse_page(body, source="backstage: GET /api/catalog/entities/by-query")

    assert str(caught.value).startswith("backstage: GET /api/catalog/entities/by-query: ")


def test_an_empty_next_cursor_ends_the_paging():
    body = json.dumps({"items": [], "pageInfo": {"nextCursor": ""}}).encode()

    assert parse_page(body, source="b").next_cursor is None


def test_a_huge_page_is_read_whole():
    items = [
        component(f"svc-{n}", owner="team-a", dependsOn=[f"svc-{n + 1}"]) for n in range(20_000)
    ]

    read = parse_page(page(items), source="b")

    assert len(read.entities) == 20_000
    assert read.entities[-1].depends_on == ("svc-20000",)
