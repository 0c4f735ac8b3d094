"""`svcmap drift` from a terminal: a YAML catalog's depends_on against imported traffic."""

import pytest

from tests.conftest import REPO

SAMPLES = sorted((REPO / "samples" / "traces").glob("*.json"))
CATALOG = """
teams:
  web:
    slack_channel: "#web"
  payments: {}
services:
  frontend:
    team: web
    depends_on: [checkout, cart, productcatalog, currency, ad, recommendation]
  checkout:
    team: web
    depends_on: [cart, payment, legacy-billing]
  payment: payments
"""


@pytest.fixture
def shop(svcmap, tmp_path):
    done = svcmap("import", *SAMPLES)
    assert done.code == 0, done.err
    catalog = tmp_path / "owners.yaml"
    catalog.write_text(CATALOG)
    return lambda *args: svcmap(*args, catalog=catalog)


def test_drift_lists_declared_but_unseen_and_seen_but_undeclared_dependencies(shop):
    done = shop("drift", "--json")

    assert done.code == 0, done.err
    answer = done.json()
    assert answer["question"] == "drift"
    assert (answer["services"], answer["declared"]) == (2, 9)
    assert [(u["parent"], u["child"]) for u in answer["unseen"]] == [("checkout", "legacy-billing")]
    undeclared = {(u["parent"], u["child"]) for u in answer["undeclared"]}
    assert {("checkout", "shipping"), ("checkout", "email")} <= undeclared
    assert not any(parent == "frontend" for parent, _ in undeclared)
    payment = next(c for c in answer["unjudged"] if c["service"] == "payment")
    assert payment["owned"] is True
    assert "stripe-api" in payment["callees"]


def test_drift_as_text_names_each_group(shop):
    done = shop("drift")

    assert done.code == 0, done.err
    assert "2 services declare 9 dependencies" in done.out
    assert "Declared but never seen in traffic:" in done.out
    assert "legacy-billing" in done.out
    assert "Seen in traffic but never declared:" in done.out
    assert "Traffic from services whose dependencies the catalog does not declare:" in done.out


def test_a_window_with_no_traffic_shows_every_declaration_unseen(shop):
    done = shop("drift", "--at", "2001-01-01T00:00:00Z", "--window", "1h", "--json")

    assert done.code == 0, done.err
    assert len(done.json()["unseen"]) == 9
    assert done.json()["undeclared"] == []


def test_a_catalog_with_a_bad_depends_on_is_refused_with_its_path(svcmap, tmp_path):
    catalog = tmp_path / "bad.yaml"
    catalog.write_text("services:\n  web:\n    depends_on: api\n")

    done = svcmap("drift", catalog=catalog)

    assert done.code == 1
    assert "services.web.depends_on: expected a list of service names" in done.err
