"""The Backstage catalog read at each refresh, kept when it fails, and asked about by drift."""

from __future__ import annotations

import json
import logging

import pytest

from bot.adapters.sources.backstage import PATH
from bot.bootstrap import refreshing
from bot.cli.main import main
from bot.cli.refreshing import statuses_now
from bot.scheduler import start_refresher
from bot.usecases.refresh import refresh_catalog, refresh_once
from tests.backstage_pages import INTEGRATION_KEY, component, entities, page
from tests.conftest import REPO
from tests.integration.refresh.conftest import NOW
from tests.integration.sources.fakeserver import Answer

TOKEN = "bs-t0ken-never-shown"


@pytest.fixture
def backstage(servers):
    fake = servers()
    items = entities("backstage_catalog-info_component_pagerduty.CONSTRUCTED.yaml")
    items += entities("backstage_example_resource_artists-db.yaml")
    fake.json(PATH, page(items))
    return fake


def test_a_refresh_reads_the_catalog_and_answers_with_it(make_app, backstage):
    app = make_app(backstage_url=backstage.url, backstage_token=TOKEN)
    assert app.catalog.owners == {}

    report = refresh_once(refreshing(app), holder="test")

    (done,) = report.sources
    assert (done.name, done.entities, done.error) == ("backstage", 2, None)
    assert app.catalog.owner_name("artist-lookup") == "team-a"
    assert app.catalog.team_of("artist-lookup").pagerduty_routing_key == INTEGRATION_KEY
    assert backstage.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    state = app.states.get("backstage")
    assert (state.high_water, state.last_success, state.spans) == (NOW, NOW, 2)


def test_a_failing_read_keeps_the_last_good_catalog_and_is_shown_by_sources(
    make_app, backstage, clock
):
    app = make_app(backstage_url=backstage.url, backstage_token=TOKEN)
    refresh_once(refreshing(app), holder="test")
    backstage.answer(PATH, Answer(500, f"backend down; saw Bearer {TOKEN}".encode()))
    clock.now += 60

    done = refresh_catalog(refreshing(app))

    assert done.tries == 3
    assert "HTTP 500" in done.error
    assert TOKEN not in done.error
    assert app.catalog.owner_name("artist-lookup") == "team-a"
    (status,) = statuses_now(app)
    assert (status.name, status.configured, status.last_success) == ("backstage", True, NOW)
    assert status.last_error_at == NOW + 60
    assert TOKEN not in status.last_error


def test_the_catalog_file_overrides_backstage_service_by_service(make_app, backstage, tmp_path):
    owners = tmp_path / "owners.yaml"
    owners.write_text(
        "teams:\n  artists:\n    slack_channel: '#artists'\n"
        "services:\n  artist-lookup:\n    team: artists\n    depends_on: [artists-db]\n"
    )
    app = make_app(backstage_url=backstage.url, catalog_file=owners)

    refresh_catalog(refreshing(app))

    assert app.catalog.team_of("artist-lookup").name == "artists"
    assert app.catalog.team_of("artist-lookup").pagerduty_routing_key is None
    assert app.catalog.depends_on["artist-lookup"] == ("artists-db",)
    assert app.catalog.owner_name("artists-db") == "team-a"


def test_the_scheduler_starts_for_a_catalog_source_alone(make_app, backstage):
    app = make_app(backstage_url=backstage.url)

    refresher = start_refresher(app, holder="test")

    assert refresher is not None
    refresher.shutdown(wait=True)


@pytest.fixture
def svcmap(database_url, monkeypatch, tmp_path, capsys):
    """Run `svcmap ARGS...` in this process; return (exit status, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", database_url, *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def shop_backstage(servers, monkeypatch):
    """A Backstage declaring part of the sample shop's dependencies, two pages long."""
    fake = servers()
    fake.json_each(
        PATH,
        page(
            [
                component("frontend", owner="group:default/web", dependsOn=["component:checkout"]),
                component("checkout", owner="web", dependsOn=["payment", "component:ghost"]),
            ],
            "next",
        ),
        page([component("payment", owner="payments", dependsOn=["resource:postgres"])]),
    )
    monkeypatch.setenv("SVCMAP_BACKSTAGE_URL", fake.url)
    monkeypatch.setenv("SVCMAP_BACKSTAGE_TOKEN", TOKEN)
    return fake


def test_drift_compares_backstage_declarations_with_imported_traffic(svcmap, shop_backstage):
    samples = sorted((REPO / "samples" / "traces").glob("*.json"))
    assert svcmap("import", *map(str, samples))[0] == 0

    code, out, err = svcmap("drift", "--json")

    assert (code, err) == (0, "")
    answer = json.loads(out)
    assert (answer["services"], answer["declared"]) == (3, 4)
    assert [(u["parent"], u["child"]) for u in answer["unseen"]] == [("checkout", "ghost")]
    undeclared = {(u["parent"], u["child"]) for u in answer["undeclared"]}
    assert ("checkout", "cart") in undeclared
    assert ("payment", "stripe-api") in undeclared
    assert ("frontend", "checkout") not in undeclared
    assert "cart" in {c["service"] for c in answer["unjudged"]}


def test_a_question_is_answered_without_backstage_when_it_fails(
    svcmap, servers, monkeypatch, caplog
):
    fake = servers()
    fake.answer(PATH, Answer(401, f"bad token {TOKEN}".encode()))
    monkeypatch.setenv("SVCMAP_BACKSTAGE_URL", fake.url)
    monkeypatch.setenv("SVCMAP_BACKSTAGE_TOKEN", TOKEN)
    caplog.set_level(logging.DEBUG)

    code, out, err = svcmap("drift")

    assert code == 0
    assert "The catalog declares no dependencies" in out
    assert f"svcmap drift: backstage: GET {PATH}: HTTP 401" in err
    assert "(answering with no catalog)" in err
    assert TOKEN not in err + out + caplog.text
    code, out, _ = svcmap("sources", "--json")
    (status,) = json.loads(out)
    assert status["source"] == "backstage"
    assert "HTTP 401" in status["last_error"]
    assert TOKEN not in out
