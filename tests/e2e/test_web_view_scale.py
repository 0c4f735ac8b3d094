"""The web view over a 5,000-service map in headless Chromium: teams first, opened on demand."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.e2e.browser import chromium_page, screenshot
from tests.e2e.conftest import start_serve

pytestmark = pytest.mark.slow

TEAMS = 97
NOW_S = 1_777_604_400
"""The bench map's time (`bench.query_speed`): 2026-05-01T03:00Z."""
DRAWN_AT_MOST = 24 + 40 + 1
"""Teams, an opened team's services and its rest: never the 5,000 services."""


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """`svcmap serve` over the bench's 5,000-service, 50,000-edge map, with 97 teams."""
    tmp = tmp_path_factory.mktemp("large")
    db = tmp / "large.db"
    subprocess.run(
        [sys.executable, "-m", "bench.query_speed", "--build-only", "--db", str(db)],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=600,
    )
    with sqlite3.connect(db) as store:
        names = sorted(row[0] for row in store.execute("SELECT name FROM nodes"))
    teams = "".join(f"  team-{t}: {{}}\n" for t in range(TEAMS))
    owned = "".join(f"  {name}: team-{i % TEAMS}\n" for i, name in enumerate(names))
    (tmp / "catalog.yaml").write_text(f"teams:\n{teams}services:\n{owned}", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
    env.update(
        SVCMAP_DATABASE_URL=f"sqlite:///{db}",
        SVCMAP_CATALOG_FILE=str(tmp / "catalog.yaml"),
        HOME=str(tmp),
    )
    process, base = start_serve(env, tmp, timeout_s=120)
    yield base, names
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
def page():
    yield from chromium_page()


def test_the_5000_service_map_opens_as_teams_and_a_team_opens_on_enter(large, page):
    base, names = large
    assert len(names) == 5_000
    page.goto(f"{base}/?window=&at={NOW_S}")
    page.wait_for_selector("#map svg g.node.group", timeout=120_000)
    assert page.locator("#map svg g.node").count() <= DRAWN_AT_MOST
    assert page.locator("#map svg g.node[data-name]").count() == 0
    assert "97 teams on the map" in page.locator("#omitted").inner_text()

    team = page.locator("#map svg g.node.group").nth(2)
    name = team.get_attribute("data-team")
    team.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#map svg g.node[data-name]", timeout=60_000)
    assert page.locator("#opened-name").inner_text() == name
    drawn = page.locator("#map g.node[data-name]").evaluate_all(
        "els => els.map(e => e.dataset.name)"
    )
    owner = {service: f"team-{i % TEAMS}" for i, service in enumerate(names)}
    assert len(drawn) == 40
    assert {owner[service] for service in drawn} == {name}
    assert page.locator("#map svg g.node").count() <= DRAWN_AT_MOST
    screenshot(page, "web-view-5000-opened.png")

    frame = page.locator("#map")
    box = frame.bounding_box()
    assert box is not None
    scale = float(frame.get_attribute("data-scale") or "0")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -200)
    page.wait_for_function(f"Number(document.getElementById('map').dataset.scale) > {scale}")

    page.locator(f"#map g.node[data-name='{drawn[0]}']").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#detail:not([hidden]) #detail-chart", timeout=60_000)
    assert page.locator("#focus-name").inner_text() == drawn[0]
    assert page.locator("#map svg g.node").count() <= 60
