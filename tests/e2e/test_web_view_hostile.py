"""Hostile names from traces stay text in the web view; bad and huge input is refused."""

from __future__ import annotations

import os
import socket
import subprocess
import time

import httpx
import pytest

from tests.e2e.browser import chromium_page, screenshot
from tests.e2e.conftest import SVCMAP, free_port
from tests.otlp_exports import CLIENT, SERVER, OtlpSpanSpec, as_json
from tests.web_csrf import asking_client

pytestmark = pytest.mark.slow

SCRIPT = "<script>window.pwned=1</script>"
IMAGE = '"><img src=x onerror="window.pwned=2">'
SVG = "</svg><svg onload=window.pwned=3>"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """`svcmap serve` over a store holding calls between services with hostile names."""
    tmp = tmp_path_factory.mktemp("hostile")
    env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
    env["SVCMAP_DATABASE_URL"] = f"sqlite:///{tmp / 'svcmap.db'}"
    env["HOME"] = str(tmp)
    export = tmp / "hostile.json"
    export.write_bytes(
        as_json(
            {
                SCRIPT: [OtlpSpanSpec("a000000000000001", kind=CLIENT)],
                IMAGE: [
                    OtlpSpanSpec("b000000000000001", "a000000000000001", SERVER),
                    OtlpSpanSpec("b000000000000002", "b000000000000001", CLIENT),
                ],
                SVG: [OtlpSpanSpec("c000000000000001", "b000000000000002", SERVER)],
            }
        )
    )
    imported = subprocess.run(
        [str(SVCMAP), "import", str(export)], env=env, capture_output=True, check=False
    )
    assert imported.returncode == 0, imported.stderr
    port = free_port()
    process = subprocess.Popen(
        [str(SVCMAP), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=15)


@pytest.fixture
def page():
    yield from chromium_page()


def test_hostile_names_are_shown_as_text_and_never_run(hostile_server, page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(hostile_server + "/")
    page.select_option("#window", "")
    page.click("#when button[type=submit]")
    page.wait_for_selector("#map svg g.node")
    page.wait_for_function("document.querySelectorAll('#services li').length === 3")
    names = page.locator("#services li").evaluate_all("els => els.map(e => e.dataset.name)")
    assert sorted(names) == sorted([SCRIPT, IMAGE, SVG])
    page.locator("#services li").first.click()
    page.wait_for_selector("#focus:not([hidden])")
    page.wait_for_selector("#detail:not([hidden])")
    chosen = page.locator("#focus-name").inner_text()
    assert page.locator("#detail-name").inner_text() == chosen
    page.wait_for_function(
        "document.getElementById('detail-chart-note').textContent !== 'loading…'"
    )
    page.click("#focus [data-ask=blast]")
    page.wait_for_selector("#answer .bk-section")
    page.fill("#command", f"deps '{IMAGE}'")
    page.click("#console button")
    page.wait_for_selector("#answer pre")
    page.wait_for_selector("#answer figure.bk-picture svg")  # the picture, names and all
    assert IMAGE in page.locator("#answer").inner_text()
    assert page.evaluate("window.pwned") is None
    assert page.locator("img, script:not([src])").count() == 0
    assert dialogs == []
    screenshot(page, "web-view-hostile.png")


def test_a_bad_time_is_refused_with_what_to_write(hostile_server):
    answer = httpx.get(f"{hostile_server}/api/map", params={"at": "tomorrow"}, timeout=10)
    assert answer.status_code == 400
    assert "ISO 8601" in answer.json()["error"]


def test_an_unknown_focus_is_a_404_with_suggestions(hostile_server):
    answer = httpx.get(f"{hostile_server}/api/map", params={"focus": "nobody"}, timeout=10)
    assert answer.status_code == 404
    assert "unknown service 'nobody'" in answer.json()["error"]


def test_a_huge_search_is_refused(hostile_server):
    answer = httpx.get(f"{hostile_server}/api/search", params={"q": "x" * 5_000}, timeout=10)
    assert answer.status_code == 400
    assert "at most 200" in answer.json()["error"]


def test_a_huge_question_is_refused_before_it_is_read(hostile_server):
    with asking_client(hostile_server) as client:
        answer = client.post("/api/answer", json={"text": "deps " + "x" * 20_000})
    assert answer.status_code == 413


def test_a_long_question_gets_slacks_own_refusal_only_for_the_asker(hostile_server):
    with asking_client(hostile_server) as client:
        answer = client.post("/api/answer", json={"text": "deps " + "x" * 1_500})
    assert answer.status_code == 200
    assert answer.json()["ephemeral"] is True
    assert "at most 1,000" in answer.json()["html"]


def test_a_question_that_is_not_json_is_refused(hostile_server):
    with asking_client(hostile_server) as client:
        answer = client.post("/api/answer", content=b"deps x")
    assert answer.status_code == 400


def test_the_page_forbids_inline_scripts(hostile_server):
    answer = httpx.get(hostile_server + "/", params={"focus": SCRIPT}, timeout=10)
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert SCRIPT not in answer.text
    assert "&lt;script&gt;" in answer.text


def test_only_the_pages_own_static_files_are_served(hostile_server):
    for name in ("view.js", "zoom.js", "view.css", "uPlot.iife.min.js", "uPlot.LICENSE"):
        assert httpx.get(hostile_server + "/static/" + name, timeout=10).status_code == 200
    assert httpx.get(hostile_server + "/static/uPlot.esm.js", timeout=10).status_code == 404
    assert httpx.get(hostile_server + "/static/..%2Fbot", timeout=10).status_code == 404


def test_a_question_declared_huge_is_refused_without_waiting_for_its_body(hostile_server):
    with asking_client(hostile_server) as client:
        token, cookies = client.headers["x-csrf-token"], client.cookies
        cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    host, port = hostile_server.removeprefix("http://").split(":")
    head = (
        f"POST /api/answer HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookie}\r\n"
        f"X-CSRF-Token: {token}\r\nContent-Type: application/json\r\n"
        "Content-Length: 100000000\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(head.encode() + b'{"text": "deps ')  # and nothing more

        answer = connection.recv(4_096)

    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
