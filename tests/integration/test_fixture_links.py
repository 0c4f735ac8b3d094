"""Every real trace fixture, imported through the real path, gives Zipkin's own links."""

import json

import pytest

from bot.bootstrap import build_app, import_desk
from bot.settings import load_settings
from bot.usecases.importing import import_file
from bot.usecases.listing import busiest_edges
from bot.usecases.windows import Window
from tests.conftest import REPO

EXPECTED = json.loads((REPO / "tests" / "fixtures" / "traces" / "expected-links.json").read_text())


@pytest.fixture
def app(database_url):
    with build_app(load_settings(database_url=database_url)) as built:
        yield built


def expected_links(name):
    return {(e["parent"], e["child"]): (e["calls"], e["errors"]) for e in EXPECTED[name]["links"]}


def links_of(app):
    return {(e.parent, e.child): (e.calls, e.errors) for e in busiest_edges(app.store, Window())}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_fixture_gives_exactly_the_links_zipkin_gives(name, fixtures_dir, app):
    import_file(import_desk(app), fixtures_dir / "traces" / name)

    assert links_of(app) == expected_links(name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_importing_a_fixture_twice_counts_nothing_twice(name, fixtures_dir, app):
    path = fixtures_dir / "traces" / name
    first = import_file(import_desk(app), path)
    second = import_file(import_desk(app), path)

    assert second.calls_new == 0
    assert second.calls_duplicate == first.calls_new
    assert links_of(app) == expected_links(name)
