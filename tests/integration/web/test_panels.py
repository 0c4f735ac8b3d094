"""The web view's panels: the map's weak points and the early warnings, as pages and JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.adapters.store.early_warnings import WarningLog
from bot.bootstrap import App
from tests.integration.web.conftest import NOW
from topology.stats import EdgeStats
from topology.warnings.model import Finding
from topology.warnings.track import CLOSE_AFTER_S, track

if TYPE_CHECKING:
    from starlette.testclient import TestClient

    Web = tuple[App, TestClient]

HOSTILE = '<img src=x onerror="alert(1)">'


def edge(parent: str, child: str, calls: int) -> EdgeStats:
    stats = EdgeStats(parent, child, calls=calls, errors=0)
    stats.latency.add(20.0)
    return stats


def fill_map(app: App) -> None:
    """web calls cart on every request and search on a few; admin calls search alone."""
    start = NOW - NOW % 60 - 600
    batch = [edge("web", "cart", 900), edge("web", "search", 50), edge("admin", "search", 50)]
    app.store.ingest_edges(batch, minute_s=start, source="test", now_s=start)


def test_the_risk_page_and_its_json_name_the_same_single_points(web: Web) -> None:
    app, client = web
    fill_map(app)
    answer = client.get("/api/risk", params={"min_share": "50%"})
    assert answer.status_code == 200
    data = answer.json()
    assert data["question"] == "risk"
    points = [point["name"] for point in data["single_points"]]
    assert "cart" in points
    assert "search" not in points  # 100 of 1,000 entry requests reach it
    page = client.get("/risk", params={"min_share": "0.5"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "content-security-policy" in page.headers
    assert "<td>cart</td>" in page.text
    assert "<td>search</td>" not in page.text.split("Critical, and nobody")[0]


def test_a_lower_share_lists_more_single_points(web: Web) -> None:
    app, client = web
    fill_map(app)
    points = client.get("/api/risk", params={"min_share": "5%"}).json()["single_points"]
    assert {"cart", "search"} <= {point["name"] for point in points}


def test_an_empty_map_has_no_shares_to_weigh(web: Web) -> None:
    _, client = web
    page = client.get("/risk")
    assert page.status_code == 200
    assert "No entry service served requests" in page.text


def test_bad_risk_parameters_are_refused_with_the_reason_escaped(web: Web) -> None:
    _, client = web
    for params in ({"min_share": "2"}, {"min_share": "<b>x</b>"}, {"window": "forever"}):
        answer = client.get("/api/risk", params=params)
        assert answer.status_code == 400, params
        assert answer.json()["error"]
    page = client.get("/risk", params={"min_share": HOSTILE})
    assert page.status_code == 400
    assert HOSTILE not in page.text
    assert "&lt;img" in page.text
    too_long = client.get("/api/risk", params={"at": "1" * 500})
    assert too_long.status_code == 400
    assert "at most" in too_long.json()["error"]


def test_open_warnings_are_listed_escaped_and_closed_ones_only_when_asked(web: Web) -> None:
    app, client = web
    log = WarningLog(app.engine)
    cart = Finding("web->cart", "latency_ms", "trend", 55.0, 40.0, 80.0, 1500)
    hostile = Finding(HOSTILE, "error_pct", "unseasonal", 9.0, 1.0, 6.0, None)
    log.write(track({}, [cart, hostile], NOW - CLOSE_AFTER_S - 300).writes)
    log.write(track(log.kept(), [cart], NOW - 300).writes)

    shown = client.get("/api/warnings").json()
    assert [(w["subject"], w["open"]) for w in shown["warnings"]] == [("web->cart", True)]
    every = client.get("/api/warnings", params={"all": "1"}).json()
    assert [w["subject"] for w in every["warnings"]] == ["web->cart", HOSTILE]

    page = client.get("/warnings")
    assert page.status_code == 200
    assert "web-&gt;cart" in page.text
    assert "25m" in page.text  # crosses its threshold in 1,500 s
    assert "errors (%)" not in page.text
    all_page = client.get("/warnings", params={"all": "yes"}).text
    assert HOSTILE not in all_page
    assert "&lt;img src=x onerror=" in all_page
    assert "closed" in all_page


def test_no_warnings_says_so(web: Web) -> None:
    _, client = web
    assert "No open warning." in client.get("/warnings").text
    assert client.get("/api/warnings").json() == {"all": False, "warnings": [], "more": 0}


def test_the_map_page_links_to_both_panels_and_each_panel_back_to_the_map(web: Web) -> None:
    _, client = web
    page = client.get("/").text
    assert 'href="/risk"' in page
    assert 'href="/warnings"' in page
    for panel in ("/risk", "/warnings"):
        assert 'href="/"' in client.get(panel).text
