"""The ownership catalog named as the map names services: its entries redacted too."""

from __future__ import annotations

from bot.catalogs import LiveCatalog
from topology.model import NodeKind
from topology.ownership import Catalog, Contact, Team
from topology.redaction import Redaction


def test_services_owners_contacts_kinds_and_declared_callees_are_redacted():
    catalog = Catalog(
        owners={"profile-ada@example.com": "people", "checkout": "shop"},
        teams={"people": Team("people", "#people")},
        depends_on={"checkout": ("cache-10.0.3.7", "profile-ada@example.com")},
        contacts={"profile-ada@example.com": Contact("#ada")},
        kinds={"cache-10.0.3.7": NodeKind.DATABASE},
    )

    named = Redaction().catalog(catalog)

    assert named.owners == {"profile-{email}": "people", "checkout": "shop"}
    assert named.depends_on == {"checkout": ("cache-{ip}", "profile-{email}")}
    assert named.contacts == {"profile-{email}": Contact("#ada")}
    assert named.kinds == {"cache-{ip}": NodeKind.DATABASE}
    assert named.teams == catalog.teams
    team = named.team_of("profile-{email}")
    assert team is not None
    assert team.slack_channel == "#ada"


def test_services_that_become_one_keep_the_first_owner_and_join_what_they_declare():
    catalog = Catalog(
        owners={"cart-1234567": "carts", "cart-7654321": "other"},
        depends_on={"cart-1234567": ("redis",), "cart-7654321": ("redis", "postgres")},
    )

    named = Redaction().catalog(catalog)

    assert named.owners == {"cart-{num}": "carts"}
    assert named.depends_on == {"cart-{num}": ("redis", "postgres")}


def test_no_rules_leave_the_catalog_as_it_is():
    catalog = Catalog(owners={"cart-1234567": "carts"})

    assert Redaction(()).catalog(catalog) is catalog


def test_the_live_catalog_redacts_the_file_and_each_read_of_the_source():
    live = LiveCatalog(Catalog(owners={"cart-1234567": "carts"}), name=Redaction().catalog)
    assert live.current().owners == {"cart-{num}": "carts"}

    live.update(Catalog(owners={"orders-5f0c6a2e-1b2c-4d3e-8f90-a1b2c3d4e5f6": "orders"}))

    assert live.current().owners == {"orders-{uuid}": "orders", "cart-{num}": "carts"}
