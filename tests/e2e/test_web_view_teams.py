"""The web view of a map too large to draw whole: teams as nodes, opened on click (Chromium)."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
from collections import defaultdict
from pathlib import Path

import httpx
import pytest

from tests.e2e.browser import chromium_page, screenshot
from tests.e2e.conftest import SVCMAP, start_serve
from tests.otlp_exports import CLIENT, SERVER, OtlpSpanSpec, as_json

pytestmark = pytest.mark.slow
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "web-view-teams.png"

SERVICES = 150
TEAMS = ("checkout", "search", "identity", "ads", "data")
HOSTILE_TEAM = '<img src=x onerror="window.pwned=1">'
FAILING = "svc-007"
"""A service of the hostile team whose every call in fails."""
WHOLE = {"window": ""}
OLD_S = 5 * 86_400
"""How long before now the one old call was made: its minutes are kept as hours."""


def team_of(number: int) -> str:
    """Service number's team: five teams and a hostile one; every tenth has no team."""
    if number % 10 == 9:
        return ""
    rest = number % 6
    return HOSTILE_TEAM if rest == 1 else TEAMS[max(0, rest - 1)]


def export() -> tuple[bytes, dict[tuple[str, str], int]]:
    """Client and server spans of random calls among the services; the calls per edge."""
    rng = random.Random(18)  # noqa: S311 - a fixed map of calls, not cryptography
    start_ns = (int(time.time()) - 600) * 1_000_000_000  # within the store's retention
    spans: defaultdict[str, list[OtlpSpanSpec]] = defaultdict(list)
    calls: defaultdict[tuple[str, str], int] = defaultdict(int)
    for number in range(SERVICES * 3):
        parent = f"svc-{rng.randrange(SERVICES):03d}"
        child = FAILING if number % 15 == 0 else f"svc-{rng.randrange(SERVICES):03d}"
        if parent == child:
            continue
        trace = f"{number + 1:032x}"
        client, server = f"{2 * number + 1:016x}", f"{2 * number + 2:016x}"
        spans[parent].append(OtlpSpanSpec(client, kind=CLIENT, trace_id=trace, start_ns=start_ns))
        spans[child].append(
            OtlpSpanSpec(
                server, client, SERVER, error=child == FAILING, trace_id=trace, start_ns=start_ns
            )
        )
        calls[(parent, child)] += 1
    old_ns = (int(time.time()) - OLD_S) * 1_000_000_000
    old = "f" * 32
    spans["svc-000"].append(OtlpSpanSpec("f" * 16, kind=CLIENT, trace_id=old, start_ns=old_ns))
    spans["svc-001"].append(OtlpSpanSpec("e" * 16, "f" * 16, SERVER, trace_id=old, start_ns=old_ns))
    calls[("svc-000", "svc-001")] += 1
    return as_json(dict(spans)), dict(calls)


def catalog_yaml() -> str:
    teams = "".join(f"  {_quoted(team)}: {{}}\n" for team in (*TEAMS, HOSTILE_TEAM))
    owned = "".join(
        f"  svc-{n:03d}: {_quoted(team_of(n))}\n" for n in range(SERVICES) if team_of(n)
    )
    return f"teams:\n{teams}services:\n{owned}"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`svcmap serve` with a catalog over a store of 150 services' calls."""
    tmp = tmp_path_factory.mktemp("teams")
    env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
    env["SVCMAP_DATABASE_URL"] = f"sqlite:///{tmp / 'svcmap.db'}"
    env["HOME"] = str(tmp)
    traces, calls = export()
    (tmp / "traces.json").write_bytes(traces)
    imported = subprocess.run(
        [str(SVCMAP), "import", str(tmp / "traces.json")],
        env=env,
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr
    (tmp / "catalog.yaml").write_text(catalog_yaml(), encoding="utf-8")
    env["SVCMAP_CATALOG_FILE"] = str(tmp / "catalog.yaml")
    process, base = start_serve(env, tmp)
    yield base, calls
    process.terminate()
    process.wait(timeout=15)


@pytest.fixture
def page():
    yield from chromium_page()


def the_map(base, **params):
    answer = httpx.get(f"{base}/api/map", params={**WHOLE, **params}, timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_large_map_comes_as_teams_with_their_counts_the_unhealthy_first(server):
    base, calls = server
    found = the_map(base)

    assert found["nodes"] == {}
    assert found["opened"] is None
    groups = found["groups"]
    assert {group["team"] for group in groups.values()} == {*TEAMS, HOSTILE_TEAM, ""}
    assert sum(group["services"] for group in groups.values()) == len(
        {name for edge in calls for name in edge}
    )
    first = next(iter(groups.values()))  # listed unhealthy first, drawn in name order
    assert first["team"] == HOSTILE_TEAM
    assert first["failing"] >= 1
    assert found["omitted"].startswith("7 teams on the map")
    assert found["svg"].count('class="node"') == len(groups)
    between = {(edge["parent"], edge["child"]): edge for edge in found["edges"]}
    team_calls: defaultdict[tuple[str, str], int] = defaultdict(int)
    for (parent, child), count in calls.items():
        ends = (team_of(int(parent[4:])), team_of(int(child[4:])))
        if ends[0] != ends[1]:
            team_calls[ends] += count
    words = {team: f"team {team or 'no team'}" for team in (*TEAMS, HOSTILE_TEAM, "")}
    for (parent, child), count in team_calls.items():
        assert between[(words[parent], words[child])]["calls"] == count


def test_an_opened_team_is_drawn_as_its_services_and_the_others_stay_teams(server):
    base, _ = server
    found = the_map(base, open="search")

    assert found["opened"] == "search"
    drawn = set(found["nodes"].values())
    assert drawn
    assert all(team_of(int(name[4:])) == "search" for name in drawn)
    assert "search" not in {group["team"] for group in found["groups"].values()}
    assert set(found["health"]) <= drawn
    assert found["svg"].count('class="node"') == len(drawn) + len(found["groups"])


def test_opening_a_team_not_on_the_map_opens_none_and_a_long_one_is_refused(server):
    base, _ = server
    assert the_map(base, open="nobody")["opened"] is None
    refused = httpx.get(f"{base}/api/map", params={**WHOLE, "open": "x" * 201}, timeout=30)
    assert refused.status_code == 400
    assert "open is 201 characters" in refused.json()["error"]


def test_a_team_filter_or_a_focus_draws_services_not_teams(server):
    base, _ = server
    filtered = the_map(base, team="checkout")
    assert filtered["groups"] == {}
    assert all(team_of(int(name[4:])) == "checkout" for name in filtered["nodes"].values())
    focused = the_map(base, focus="svc-010", open="search")
    assert focused["groups"] == {}
    assert focused["focus"] == "svc-010"
    assert "svc-010" in focused["nodes"].values()


def test_clicking_a_team_opens_it_and_all_teams_closes_it(server, page):
    base, _ = server
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{base}/?window=")
    page.wait_for_selector("#map svg g.node.group")
    assert page.locator("#map g.node[data-name]").count() == 0
    first = page.locator("#map g.node.group.errors-failing")
    hostile = next(iter(the_map(base)["groups"].values()))["services"]
    assert first.get_attribute("aria-label") == f"team {HOSTILE_TEAM}, {hostile} services: open it"
    assert first.locator("text").first.text_content() == HOSTILE_TEAM
    assert "errors-failing" in (first.get_attribute("class") or "")
    shot = screenshot(page, "web-view-teams.png")
    if os.environ.get("SVCMAP_UPDATE_SCREENSHOT"):
        shutil.copyfile(shot, DOCS_SCREENSHOT)

    group = page.locator("#map g.node.group[data-team=search]")
    group.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#opened:not([hidden])")
    page.wait_for_selector("#map svg g.node[data-name]")
    assert page.locator("#opened-name").inner_text() == "search"
    names = page.locator("#map g.node[data-name]").evaluate_all(
        "els => els.map(e => e.dataset.name)"
    )
    assert names
    assert all(team_of(int(name[4:])) == "search" for name in names)
    assert page.locator("#map g.node.group").count() >= 1
    screenshot(page, "web-view-team-opened.png")

    page.locator(f"#map g.node[data-name={names[0]}]").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.getElementById('focus-name').textContent === '{names[0]}'")
    assert page.locator("#opened").is_hidden()
    page.click("#unfocus")
    page.wait_for_selector("#opened:not([hidden])")
    page.click("#close-team")
    page.wait_for_selector("#opened", state="hidden")
    page.wait_for_function("document.querySelectorAll('#map g.node[data-name]').length === 0")
    assert page.evaluate("window.pwned") is None
    assert dialogs == []


def test_the_slider_moves_an_hour_at_a_time_where_hours_are_kept(server, page):
    base, _ = server
    times = httpx.get(f"{base}/api/times", timeout=30).json()
    assert [tier["tier"] for tier in times["tiers"]] == ["hours", "minutes"]
    hours, minutes = times["tiers"]
    assert hours["start"] == times["first"]
    assert hours["end"] == minutes["start"]
    assert minutes["end"] == times["last"]
    assert (hours["step"], minutes["step"]) == (3600, 60)

    page.goto(f"{base}/")
    page.wait_for_selector("#slider-tiers .tier-hours", state="attached")
    moment = hours["start"]
    page.evaluate(
        """(moment) => {
          const slider = document.getElementById("slider");
          slider.value = String(moment);
          slider.dispatchEvent(new Event("input"));
          slider.dispatchEvent(new Event("change"));
        }""",
        moment,
    )
    last_minute = moment - moment % 3600 + 3540
    at = page.input_value("#at")
    assert at == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(last_minute))
    assert page.input_value("#window") == "1h"
    assert page.get_attribute("#slider", "aria-valuetext") == f"{at}, hours kept"
    # That hour holds the one old call: between the teams of svc-000 and svc-001. The map
    # of the newer window stays drawn until that hour's arrives: wait for it to be replaced.
    page.wait_for_function(
        "document.querySelectorAll('#map g.edge[role=button]').length === 1", timeout=30_000
    )
    lines = page.locator("#map g.edge[role=button]")
    assert lines.count() == 1
    assert lines.first.get_attribute("aria-label") == (
        f"calls from team {team_of(0)} to team {team_of(1)}"
    )
