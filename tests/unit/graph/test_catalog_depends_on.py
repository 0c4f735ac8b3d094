"""`depends_on` in the YAML catalog: what each service declares it calls."""

from __future__ import annotations

import pytest

from topology.catalog_yaml import load_catalog
from topology.errors import CatalogError

TEXT = """
teams:
  web: {}
services:
  frontend:
    team: web
    depends_on: [checkout, cart, checkout]
  checkout:
    team: web
    depends_on: []
  batch:
    depends_on:
      - checkout
  cart: web
"""


def test_services_declare_their_dependencies_in_order_each_once():
    catalog = load_catalog(TEXT, source="owners.yaml")

    assert catalog.depends_on == {
        "frontend": ("checkout", "cart"),
        "checkout": (),
        "batch": ("checkout",),
    }
    assert catalog.owners == {"frontend": "web", "checkout": "web", "cart": "web"}


def test_an_empty_depends_on_declares_no_dependency():
    catalog = load_catalog("services:\n  job:\n    depends_on:\n", source="owners.yaml")

    assert catalog.depends_on == {"job": ()}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "services:\n  a:\n    depends_on: b\n",
            "owners.yaml: services.a.depends_on: expected a list of service names, got str",
        ),
        (
            "services:\n  a:\n    depends_on: [b, 3]\n",
            "owners.yaml: services.a.depends_on[1]: expected a service name, got int",
        ),
        (
            "services:\n  a:\n    depends_on: ['']\n",
            "owners.yaml: services.a.depends_on[0]: expected a service name, got str",
        ),
        (
            "services:\n  a:\n    team: nobody\n",
            "owners.yaml: services.a.team: team 'nobody' is not defined under teams",
        ),
        (
            "services:\n  a:\n    owner: web\n",
            "owners.yaml: services.a.owner: unknown key (expected one of: depends_on, team)",
        ),
    ],
)
def test_a_bad_service_entry_names_the_file_and_the_path(text, message):
    with pytest.raises(CatalogError) as caught:
        load_catalog(text, source="owners.yaml")

    assert str(caught.value) == message
