"""Backstage entities turned into the ownership catalog, and a catalog laid over another."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.sources.backstage import parse_page
from tests.backstage_pages import INTEGRATION_KEY, entities, page
from topology.catalog_backstage import Entity, catalog_of, is_name, ref_name
from topology.model import NodeKind
from topology.ownership import Catalog, Contact, Team, overlay


@pytest.mark.parametrize(
    ("ref", "name"),
    [
        ("team-a", "team-a"),
        ("group:team-a", "team-a"),
        ("user:default/jdoe", "jdoe"),
        ("group:default/team-a", "team-a"),
        ("Group:platform/team-a", "platform/team-a"),
        ("resource:artists-db", "artists-db"),
        ("component:default/wayback-archive", "wayback-archive"),
        (" component:shop/cart ", "shop/cart"),
    ],
)
def test_an_entity_reference_stands_for_its_name_with_the_default_namespace_dropped(ref, name):
    assert ref_name(ref) == name


@pytest.mark.parametrize("ref", ["", ":x", "group:", "a/b/c", "group:/x", "bad kind:x", "x y"])
def test_a_malformed_entity_reference_stands_for_nothing(ref):
    assert ref_name(ref) is None


@given(st.text(max_size=80))
def test_any_text_read_as_a_reference_gives_a_valid_name_or_nothing(text):
    name = ref_name(text)

    assert name is None or all(is_name(part) for part in name.split("/"))


def recorded() -> list[Entity]:
    items = entities("backstage_catalog-info_component_pagerduty.CONSTRUCTED.yaml")
    items += entities("backstage_example_resource_artists-db.yaml")
    items += entities("pagerduty_backstage_plugins_example_entities.yaml")
    return parse_page(page(items), source="b").entities


def test_the_recorded_entities_give_owners_dependencies_kinds_and_the_paging_key():
    catalog, notes = catalog_of(recorded())

    assert notes == []
    assert catalog.owners == {
        "artist-lookup": "team-a",
        "example-website": "guests",
        "second-service": "guests",
        "artists-db": "team-a",
    }
    assert catalog.depends_on["artist-lookup"] == ("artists-db", "wayback-archive")
    assert catalog.depends_on["example-website"] == ()
    assert catalog.kinds == {
        "artist-lookup": NodeKind.SERVICE,
        "example-website": NodeKind.SERVICE,
        "second-service": NodeKind.SERVICE,
        "artists-db": NodeKind.DATABASE,
    }
    assert catalog.team_of("artist-lookup") == Team("team-a", None, INTEGRATION_KEY)
    assert catalog.team_of("second-service") == Team("guests")


def test_a_service_outside_the_default_namespace_carries_its_namespace():
    catalog, _ = catalog_of([Entity("component", "cart", "shop", owner="group:shop/team")])

    assert catalog.owners == {"shop/cart": "shop/team"}


def test_a_component_wins_over_a_resource_of_the_same_name_and_the_clash_is_noted():
    catalog, notes = catalog_of(
        [
            Entity("resource", "cart", type="database", owner="db"),
            Entity("component", "cart", owner="web"),
        ]
    )

    assert catalog.owners == {"cart": "web"}
    assert catalog.kinds == {"cart": NodeKind.SERVICE}
    assert notes == ["resource:default/cart: left out: component:default/cart has the same name"]


def test_a_malformed_owner_or_dependency_is_noted_and_the_rest_kept():
    catalog, notes = catalog_of(
        [Entity("component", "web", owner="a/b/c", depends_on=("api", "x y"))]
    )

    assert catalog.owners == {}
    assert catalog.depends_on == {"web": ("api",)}
    assert notes == [
        "component:default/web: spec.owner is not an entity reference",
        "component:default/web: spec.dependsOn holds a malformed entity reference",
    ]


def test_a_service_contact_takes_precedence_over_its_teams_where_it_says_something():
    catalog = Catalog(
        owners={"pay": "payments"},
        teams={"payments": Team("payments", "#payments", "TEAMKEY")},
        contacts={"pay": Contact(pagerduty_routing_key="SERVICEKEY")},
    )

    assert catalog.team_of("pay") == Team("payments", "#payments", "SERVICEKEY")


BACKSTAGE = Catalog(
    owners={"pay": "team-a", "cart": "team-b"},
    teams={"team-a": Team("team-a"), "team-b": Team("team-b")},
    depends_on={"pay": ("stripe",), "cart": ("redis",)},
    contacts={"pay": Contact("#pay", "BACKSTAGEKEY"), "cart": Contact("#cart")},
    kinds={"pay": NodeKind.SERVICE},
)
FILE = Catalog(
    owners={"pay": "payments"},
    teams={
        "payments": Team("payments", "#payments-oncall", "FILEKEY"),
        "team-b": Team("team-b", "#b"),
    },
    depends_on={"cart": ("redis", "postgres")},
)


def test_the_file_overrides_backstage_service_by_service_and_team_by_team():
    merged = overlay(BACKSTAGE, FILE)

    assert merged.owners == {"pay": "payments", "cart": "team-b"}
    assert merged.team_of("pay") == Team("payments", "#payments-oncall", "FILEKEY")
    assert merged.team_of("cart") == Team("team-b", "#cart")
    assert merged.depends_on == {"pay": ("stripe",), "cart": ("redis", "postgres")}
    assert merged.kinds == {"pay": NodeKind.SERVICE}


def test_an_empty_file_leaves_backstage_as_it_is():
    assert overlay(BACKSTAGE, Catalog()) == BACKSTAGE
