"""The web view in a real headless Chromium, over a running `svcmap demo`."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.browser import chromium_page, screenshot
from tests.e2e.conftest import start_demo, stop_demo

pytestmark = pytest.mark.slow
README_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "web-view.png"


SHOP_SERVICES = 20


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo, once its history is on the map: client spans to peers that report no
    spans of their own wait for a server span before they are stored."""
    process, running = start_demo(
        tmp_path_factory.mktemp("web"), "--speed", "10", "--history", "20m"
    )
    deadline = time.monotonic() + 30
    while len(httpx.get(f"{running.base}/api/map", timeout=10).json()["nodes"]) < SHOP_SERVICES:
        assert time.monotonic() < deadline, "the demo's history never reached the map"
        time.sleep(0.5)
    yield running
    stop_demo(process)


@pytest.fixture
def page():
    yield from chromium_page()


def test_the_page_loads_the_map_the_services_and_no_incidents(demo, page):
    page.goto(demo.base + "/")
    page.wait_for_selector("#map svg g.node")
    page.wait_for_function("document.querySelectorAll('#services li').length >= 20")
    assert page.locator("#incidents").inner_text().strip() == "no incidents yet"
    assert page.locator("#map svg g.edge").count() >= 25
    screenshot(page, "web-view-loaded.png")


def test_searching_filters_the_list_of_services(demo, page):
    page.goto(demo.base + "/")
    page.wait_for_selector("#services li")
    page.fill("#search", "pay")
    page.wait_for_function("document.querySelectorAll('#services li').length === 1")
    assert page.locator("#services li").first.get_attribute("data-name") == "payment"


def test_filtering_by_team_keeps_only_that_teams_services(demo, page):
    page.goto(demo.base + "/")
    page.wait_for_selector("#team option[value=payments]", state="attached")
    page.select_option("#team", "payments")
    page.wait_for_function("document.querySelectorAll('#services li').length === 3")
    names = sorted(page.locator("#services li").evaluate_all("els => els.map(e => e.dataset.name)"))
    assert names == ["frauddetection", "payment", "stripe-api"]


def test_clicking_a_service_focuses_it_and_asks_its_blast_radius(demo, page):
    page.goto(demo.base + "/")
    page.wait_for_selector("#map svg g.node")
    page.locator("#map g.node[data-name=payment]").click()
    page.wait_for_selector("#focus:not([hidden])")
    assert page.locator("#focus-name").inner_text() == "payment"
    page.click("#focus [data-ask=blast]")
    page.wait_for_selector("#answer .bk-section")
    assert "Blast radius of payment" in page.locator("#answer").inner_text()
    page.click("#zoom-fit")
    page.locator("#map g.edge").first.click()
    assert "calls" in page.locator("#edge").inner_text()
    screenshot(page, "web-view-focus.png")


def test_the_console_shows_the_slack_answer_to_a_typed_question(demo, page):
    page.goto(demo.base + "/")
    page.fill("#command", "deps checkout --down")
    page.click("#console button")
    page.wait_for_selector("#answer pre")
    text = page.locator("#answer").inner_text()
    assert "checkout" in text
    assert "payment" in text
    assert page.locator("#answer .bk-button").count() >= 1
    page.wait_for_selector("#answer figure.bk-picture svg g.node")
    assert "checkout" in page.locator("#answer figure svg").inner_html()
    # As Slack shows it: code blocks wrap, nothing is cut or scrolled sideways.
    for block in page.locator("#answer pre").all():
        assert block.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    fitted = page.locator("#answer figure svg").bounding_box()
    page.click("#answer .picture-size")
    full = page.locator("#answer figure svg").bounding_box()
    assert fitted is not None
    assert full is not None
    assert full["width"] > fitted["width"]
    assert page.get_attribute("#answer .picture-size", "aria-pressed") == "true"
    page.click("#answer .picture-size")
    page.set_viewport_size({"width": 1600, "height": 900})
    shot = screenshot(page, "web-view.png")
    if os.environ.get("SVCMAP_UPDATE_SCREENSHOT"):
        README_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, README_SCREENSHOT)


def test_a_bad_time_is_said_on_the_page(demo, page):
    page.goto(demo.base + "/")
    page.fill("#at", "yesterday at noon")
    page.click("#when button[type=submit]")
    page.wait_for_function("document.getElementById('status').textContent.includes('bad time')")


def test_an_unknown_service_gets_suggestions_in_the_slack_preview(demo, page):
    page.goto(demo.base + "/")
    page.fill("#command", "blast paymnt")
    page.click("#console button")
    page.wait_for_selector("#answer.ephemeral")
    assert "did you mean payment" in page.locator("#answer").inner_text()


def test_a_time_picked_in_the_picker_is_asked_about_in_utc_and_now_comes_back(demo, page):
    page.goto(demo.base + "/")
    page.wait_for_selector("#map svg g.node")
    moment = page.evaluate("new Date(Date.UTC(2026, 4, 1, 2, 30)).toISOString()")
    page.evaluate(
        """(iso) => {
          const at = new Date(iso), pad = (n) => String(n).padStart(2, "0");
          const local = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`
            + `T${pad(at.getHours())}:${pad(at.getMinutes())}`;
          const picker = document.getElementById("at-pick");
          picker.value = local;
          picker.dispatchEvent(new Event("change"));
        }""",
        moment,
    )

    assert page.input_value("#at") == "2026-05-01T02:30:00Z"
    page.click("#at-now")
    assert page.input_value("#at") == ""


MAP_SCALE = "Number(document.getElementById('map').dataset.scale)"
SMALLEST_LABEL = (
    "Math.min(...[...document.querySelectorAll('#map g.node text')]"
    ".map((t) => t.getBoundingClientRect().height))"
)


def _centre(page, selector):
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _map_centre(page):
    return _centre(page, "#map")


def test_the_map_opens_with_readable_labels_and_zooms_and_pans(demo, page):
    page.goto(demo.base + "/")
    page.wait_for_selector("#map svg g.node[data-name=payment]")
    assert page.evaluate(SMALLEST_LABEL) >= 9.5
    payment = "#map g.node[data-name=payment]"

    x, y = _map_centre(page)
    before, scale = _centre(page, payment), page.evaluate(MAP_SCALE)
    page.mouse.move(x, y)
    page.mouse.wheel(0, -200)
    page.wait_for_function(f"{MAP_SCALE} > {scale}")
    ratio = page.evaluate(MAP_SCALE) / scale
    after = _centre(page, payment)
    # The point under the pointer stays there: everything else moves away from it.
    assert after[0] - x == pytest.approx((before[0] - x) * ratio, abs=2)
    assert after[1] - y == pytest.approx((before[1] - y) * ratio, abs=2)

    before = _centre(page, payment)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 120, y + 60, steps=6)
    page.mouse.up()
    after = _centre(page, payment)
    assert (after[0] - before[0], after[1] - before[1]) == pytest.approx((120, 60), abs=1.5)
    assert page.locator("#focus").is_hidden(), "a drag is not a click on what it ends over"


def test_the_buttons_and_keys_zoom_fit_and_pan_the_map(demo, page):
    page.goto(demo.base + "/")
    page.wait_for_selector("#map svg g.node[data-name=payment]")
    payment = "#map g.node[data-name=payment]"
    page.click("#zoom-fit")
    frame, drawn = (
        page.locator("#map").bounding_box(),
        page.locator("#map svg g.graph").bounding_box(),
    )
    assert frame is not None
    assert drawn is not None
    assert drawn["x"] >= frame["x"] - 1
    assert drawn["y"] >= frame["y"] - 1
    assert drawn["x"] + drawn["width"] <= frame["x"] + frame["width"] + 1
    assert drawn["y"] + drawn["height"] <= frame["y"] + frame["height"] + 1
    fitted = page.evaluate(MAP_SCALE)
    page.click("#zoom-in")
    assert page.evaluate(MAP_SCALE) == pytest.approx(fitted * 1.25, rel=0.01)
    page.click("#zoom-out")
    assert page.evaluate(MAP_SCALE) == pytest.approx(fitted, rel=0.01)
    page.click("#zoom-read")
    assert page.evaluate(MAP_SCALE) == pytest.approx(1, rel=0.01)

    page.focus("#map")
    before = _centre(page, payment)
    page.keyboard.press("ArrowLeft")
    after = _centre(page, payment)
    assert (after[0] - before[0], after[1] - before[1]) == pytest.approx((60, 0), abs=1.5)
    page.keyboard.press("+")
    assert page.evaluate(MAP_SCALE) == pytest.approx(1.25, rel=0.01)
    page.keyboard.press("-")
    page.keyboard.press("-")
    assert page.evaluate(MAP_SCALE) == pytest.approx(0.8, rel=0.01)
    page.keyboard.press("0")
    assert page.evaluate(MAP_SCALE) == pytest.approx(fitted, rel=0.01)

    page.click("#zoom-read")
    page.locator(payment).click()
    page.wait_for_selector("#focus:not([hidden])")
    assert page.locator("#focus-name").inner_text() == "payment"
    screenshot(page, "web-view-zoomed.png")


def test_a_focus_opens_at_a_readable_size_with_the_service_in_sight(demo, page):
    page.goto(demo.base + "/?focus=checkout")
    page.wait_for_selector("#map svg g.node[data-name=checkout]")
    assert page.evaluate(SMALLEST_LABEL) >= 9.5
    frame = page.locator("#map").bounding_box()
    x, y = _centre(page, "#map g.node[data-name=checkout]")
    assert frame is not None
    assert frame["x"] < x < frame["x"] + frame["width"]
    assert frame["y"] < y < frame["y"] + frame["height"]


def test_changing_the_time_keeps_the_services_where_they_were(demo, page):
    page.goto(demo.base + "/")
    page.wait_for_selector("#map svg g.node[data-name=payment]")
    page.focus("#map")
    page.keyboard.press("+")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowLeft")
    before = _centre(page, "#map g.node[data-name=payment]")
    page.evaluate("document.querySelector('#map svg').dataset.old = 'yes'")
    moment = page.evaluate("new Date(Date.now() - 60_000).toISOString()")
    page.fill("#at", moment)
    page.click("#when button[type=submit]")
    page.wait_for_selector("#map svg:not([data-old]) g.node[data-name=payment]")
    assert _centre(page, "#map g.node[data-name=payment]") == pytest.approx(before, abs=1)


def test_a_service_drills_down_to_its_numbers_owner_series_and_questions(demo, page):
    page.goto(demo.base + "/")
    page.wait_for_selector("#map svg g.node[data-name=payment]")
    page.locator("#map g.node[data-name=payment]").click()
    page.wait_for_selector("#detail:not([hidden]) #detail-chart canvas")
    assert page.locator("#detail-name").inner_text() == "payment"
    assert "calls in:" in page.locator("#detail-numbers").inner_text()
    owner = page.locator("#detail-owner").inner_text()
    assert owner.startswith("owned by payments")
    assert "the line marks" in page.locator("#detail-chart-note").inner_text()
    page.click("#detail [data-detail=blast]")
    page.wait_for_function(
        "document.getElementById('answer').innerText.includes('Blast radius of payment')"
    )
    page.click("#detail [data-detail=path]")
    assert page.input_value("#command") == "path 'payment' "
    assert page.evaluate("document.activeElement.id") == "command"
    screenshot(page, "web-view-drill-down.png")
    page.click("#unfocus")
    page.wait_for_selector("#detail", state="hidden")


def test_the_series_api_answers_a_service_and_refuses_bad_questions(demo):
    found = httpx.get(
        f"{demo.base}/api/series", params={"service": "payment", "hours": "1"}, timeout=10
    ).json()
    assert found["service"] == "payment"
    assert found["team"] == "payments"
    assert len(found["t"]) == len(found["requests"]) == len(found["errors"]) == 60
    assert len(found["p95_ms"]) == 60
    assert sum(found["requests"]) > 0
    assert found["t"][0] <= found["at"] < found["t"][-1] + 60

    refused = {
        "no service": ({}, 400),
        "unknown": ({"service": "nope"}, 404),
        "too many hours": ({"service": "payment", "hours": "25"}, 400),
        "no hours": ({"service": "payment", "hours": "0"}, 400),
        "negative hours": ({"service": "payment", "hours": "-1"}, 400),
        "hours in words": ({"service": "payment", "hours": "six"}, 400),
        "huge hours": ({"service": "payment", "hours": "9" * 50}, 400),
        "bad time": ({"service": "payment", "at": "yesterday at noon"}, 400),
        "long name": ({"service": "x" * 201}, 400),
    }
    for why, (params, status) in refused.items():
        answer = httpx.get(f"{demo.base}/api/series", params=params, timeout=10)
        assert answer.status_code == status, why
        assert answer.json()["error"], why


def test_an_edge_drills_down_to_its_calls_a_minute_over_the_last_hours(demo, page):
    page.goto(demo.base + "/?focus=checkout")
    page.wait_for_selector("#map svg g.edge[role=button]")
    edge = page.locator("#map g.edge[aria-label='calls from checkout to payment']")
    edge.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#edge:not([hidden]) .edge-chart canvas")
    text = page.locator("#edge").inner_text()
    assert "checkout \u2192 payment" in text
    assert "the line marks" in text
    owners = page.locator("#edge .edge-owners").inner_text()
    assert owners.startswith("checkout: owned by commerce")
    assert "payment: owned by payments" in owners
    screenshot(page, "web-view-edge-drill-down.png")


def test_the_series_api_answers_an_edge_and_refuses_bad_questions(demo):
    found = httpx.get(
        f"{demo.base}/api/series",
        params={"parent": "checkout", "child": "payment", "hours": "1"},
        timeout=10,
    ).json()
    assert (found["parent"], found["child"]) == ("checkout", "payment")
    assert found["owners"]["payment"]["team"] == "payments"
    assert len(found["t"]) == len(found["requests"]) == len(found["network_ms"]) == 60
    assert len(found["errors"]) == len(found["p95_ms"]) == 60
    assert sum(found["requests"]) > 0
    assert found["t"][0] <= found["at"] < found["t"][-1] + 60

    refused = {
        "no such call": ({"parent": "payment", "child": "checkout"}, 404),
        "unknown caller": ({"parent": "nope", "child": "payment"}, 404),
        "no callee": ({"parent": "checkout"}, 400),
        "long callee": ({"parent": "checkout", "child": "x" * 201}, 400),
        "no hours": ({"parent": "checkout", "child": "payment", "hours": "0"}, 400),
        "bad time": ({"parent": "checkout", "child": "payment", "at": "soon"}, 400),
    }
    for why, (params, status) in refused.items():
        answer = httpx.get(f"{demo.base}/api/series", params=params, timeout=10)
        assert answer.status_code == status, why
        assert answer.json()["error"], why


def test_a_link_opens_the_page_at_its_time_and_window(demo, page):
    moment = "2026-05-01T02:30:00Z"
    page.goto(f"{demo.base}/?window=1h&at={moment}")
    page.wait_for_function("document.getElementById('map').textContent !== ''")
    assert page.input_value("#at") == moment
    assert page.input_value("#window") == "1h"
    page.goto(f"{demo.base}/?window=not-a-choice")
    assert page.input_value("#window") == "15m"
    page.goto(f"{demo.base}/?window=")
    assert page.input_value("#window") == ""


def _luminance(rgb):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _contrast(page, selector):
    colours = page.locator(selector).first.evaluate(
        """e => {
          const parse = (c) => c.match(/\\d+/g).slice(0, 3).map(Number);
          let back = e;
          const clear = (el) => getComputedStyle(el).backgroundColor === "rgba(0, 0, 0, 0)";
          while (clear(back)) back = back.parentElement;
          return [parse(getComputedStyle(e).color), parse(getComputedStyle(back).backgroundColor)];
        }"""
    )
    light, dark = sorted((_luminance(c) for c in colours), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_page_follows_the_systems_theme_with_readable_contrast(demo, page, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(demo.base + "/")
    page.wait_for_selector("#services li small")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(18, 24, 31)") == (scheme == "dark")
    for selector in ("#services li", "#services li small", "#search", "#zoom-fit", "h2"):
        assert _contrast(page, selector) >= 4.5, selector
    screenshot(page, f"web-view-{scheme}.png")


def test_services_and_edges_are_chosen_with_the_keyboard(demo, page):
    page.goto(demo.base + "/")
    page.wait_for_selector("#map svg g.node[data-name=payment]")
    node = page.locator("#map g.node[data-name=payment]")
    assert node.get_attribute("aria-label") == "service payment"
    node.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#focus:not([hidden])")
    assert page.locator("#focus-name").inner_text() == "payment"
    page.wait_for_selector("#map svg g.edge[role=button]")
    page.locator("#map g.edge[role=button]").first.focus()
    page.keyboard.press(" ")
    assert "calls" in page.locator("#edge").inner_text()
    item = page.locator("#services li[data-name=checkout]")
    item.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('focus-name').textContent === 'checkout'")
