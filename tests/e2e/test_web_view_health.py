"""Health at a glance on the web view's map, over a demo with a failing service."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.e2e.browser import chromium_page, screenshot
from tests.e2e.conftest import start_demo, stop_demo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def broken_demo(tmp_path_factory):
    """The demo with `currency` failing half its calls, once an incident is open for it
    and its failed calls are on the map."""
    process, running = start_demo(
        tmp_path_factory.mktemp("health"), "--speed", "10", "--history", "20m"
    )
    answer = httpx.put(f"{running.base}/demo/faults/currency", json={"errors": 0.5}, timeout=10)
    assert answer.status_code == 200, answer.text
    deadline = time.monotonic() + 120
    while not _broken(_map(running.base)):
        assert time.monotonic() < deadline, "no incident or failed calls for currency"
        time.sleep(1)
    yield running
    stop_demo(process)


def _map(base):
    return httpx.get(f"{base}/api/map", params={"window": "5m"}, timeout=10).json()


def _broken(data):
    failing = data["health"].get("currency", {}).get("errors") == "failing"
    return failing and "currency" in data["incidents"]


@pytest.fixture
def page():
    yield from chromium_page()


def test_the_map_api_says_each_services_health_and_its_incidents(broken_demo):
    data = _map(broken_demo.base)
    currency = data["health"]["currency"]
    assert currency["errors"] == "failing", data["window"] + " " + str(currency)
    # Failing from 1 call in 20; the window still holds minutes from before the fault,
    # so the rate climbs towards the half the fault fails only as the window fills.
    assert 0.05 <= currency["error_rate"] <= 0.6
    assert data["health"]["email"]["errors"] == "ok"
    assert set(data["incidents"]) <= set(data["nodes"].values())


def test_failing_and_incident_services_stand_out_and_the_legend_sits_in_a_corner(broken_demo, page):
    page.goto(broken_demo.base + "/")
    page.select_option("#window", "5m")
    page.click("#when button[type=submit]")
    page.wait_for_selector("#map g.node.incident[data-name=currency]")
    # The map refreshes on its own: read the class and the fill of one rendering at once.
    classes, fill = page.evaluate(
        """() => {
            const g = document.querySelector('#map g.node[data-name=currency]');
            const shape = g.querySelector('path, polygon, ellipse');
            return [g.getAttribute('class') || '', getComputedStyle(shape).fill];
        }"""
    )
    # The window's rate moves while the demo runs: failing or degraded, it stands out.
    levels = {"errors-failing": "rgb(255, 194, 194)", "errors-degraded": "rgb(255, 232, 176)"}
    shown = [level for level in levels if level in classes.split()]
    assert shown, classes
    assert fill == levels[shown[0]]
    email = (page.locator("#map g.node[data-name=email]").get_attribute("class") or "").split()
    assert not {"errors-failing", "errors-degraded", "incident"} & set(email), email
    assert page.locator("#map svg title", has_text="cluster_legend").count() == 0
    # Closed at first, so it covers no service; opened, it still sits in a corner.
    assert page.locator("#legend ul").is_hidden()
    closed, frame = page.locator("#legend").bounding_box(), page.locator("#map").bounding_box()
    assert closed is not None
    assert frame is not None
    assert closed["width"] * closed["height"] < frame["width"] * frame["height"] / 100
    page.click("#legend summary")
    assert page.locator("#legend ul").is_visible()
    legend = page.locator("#legend").bounding_box()
    assert legend is not None
    assert legend["width"] * legend["height"] < frame["width"] * frame["height"] / 6
    screenshot(page, "web-view-health.png")
    # Left open, it is open on the next visit; closed, closed.
    page.reload()
    page.wait_for_selector("#map g.node")
    assert page.locator("#legend ul").is_visible()
    page.click("#legend summary")
    page.reload()
    page.wait_for_selector("#map g.node")
    assert page.locator("#legend ul").is_hidden()


def test_the_time_slider_spans_the_store_marks_incidents_and_asks_its_time(broken_demo, page):
    times = httpx.get(f"{broken_demo.base}/api/times", timeout=10).json()
    assert times["first"] < times["last"]
    assert "currency" in {incident["service"] for incident in times["incidents"]}
    page.goto(broken_demo.base + "/")
    page.wait_for_selector("#slider:not([disabled])")
    page.wait_for_selector("#map svg g.node")
    assert int(page.get_attribute("#slider", "min") or 0) == times["first"]
    assert page.locator("#slider-incidents option").count() >= 1
    marks = page.locator("#slider-marks span").evaluate_all("els => els.map(e => e.title)")
    assert any("currency" in title for title in marks)
    page.evaluate("document.querySelector('#map svg').dataset.old = 'yes'")
    page.focus("#slider")
    page.keyboard.press("Home")
    page.wait_for_selector("#map svg:not([data-old])")
    first = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(times["first"]))
    assert page.input_value("#at") == first
    page.click("#at-now")
    assert page.input_value("#at") == ""
