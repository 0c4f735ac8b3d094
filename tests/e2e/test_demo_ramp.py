"""A slow degradation in the demo: cart's latency ramps, and svcmap warns before the alert."""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.e2e.conftest import RunningDemo, start_demo, stop_demo

pytestmark = pytest.mark.slow

SPEED = "60"
"""Simulated seconds per real second: the minutes a warning needs take seconds."""
RAMP = "5ms/min"
"""A fast ramp: cart's latency alert fires about 8 to 9 min later, and the rise past the
warning's threshold shows in the pass's minutes first (`python -m eval.demo_ramp`)."""
WARNING_WAIT_S = 240


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDemo]:
    process, running = start_demo(
        tmp_path_factory.mktemp("ramp"), "--speed", SPEED, "--history", "1h"
    )
    yield running
    stop_demo(process)


def wait_for(check: Callable[[], object], seconds: float) -> object:
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(1)
    return found


def names_cart(subject: object) -> bool:
    return "cart" in str(subject).split("->")


def test_a_ramp_in_other_words_is_refused_with_how_to_write_it(demo: RunningDemo):
    port = str(demo.port)
    done = demo.svcmap("demo", "break", "cart", "--latency", "5ms/h", "--port", port)
    assert done.code == 2
    assert "5ms/min" in done.err
    too_steep = demo.svcmap("demo", "break", "cart", "--latency", "61s/min", "--port", port)
    assert too_steep.code == 2
    assert "60s/min" in too_steep.err
    status = demo.svcmap("demo", "status", "--json", "--port", port).json()
    assert all(f["service"] != "cart" for f in status["faults"])  # type: ignore[index]


def test_the_control_refuses_a_ramp_that_is_not_a_number(demo: RunningDemo):
    answer = httpx.put(
        f"{demo.base}/demo/faults/cart", json={"latency_ms_per_min": "fast"}, timeout=10
    )
    assert answer.status_code == 400
    assert "latency_ms_per_min" in answer.json()["error"]


def test_a_ramping_cart_is_warned_about_before_its_latency_alert_fires(demo: RunningDemo):
    port = str(demo.port)
    broke = demo.svcmap("demo", "break", "cart", "--latency", RAMP, "--port", port)
    assert broke.code == 0, broke.err
    assert "broken: cart +5 ms more each minute since" in broke.out

    def cart_warnings() -> list[dict[str, object]]:
        listed = demo.svcmap("warnings", "--json")
        assert listed.code == 0, listed.err
        return [w for w in listed.json() if names_cart(w["subject"])]  # type: ignore[union-attr]

    warned = wait_for(cart_warnings, WARNING_WAIT_S)
    status = demo.svcmap("demo", "status", "--json", "--port", port).json()

    alerted = [
        a["at"]
        for a in status["alerts"]  # type: ignore[index]
        if (a["alert"], a["service"], a["state"]) == ("HighLatency", "cart", "firing")
    ]
    first = min(w["opened_at"] for w in warned)  # type: ignore[attr-defined]
    assert all(first < at for at in alerted)
    (since,) = [f["since"] for f in status["faults"] if f["service"] == "cart"]  # type: ignore[index]
    for warning in warned:  # type: ignore[attr-defined]
        assert warning["kind"] == "past"
        assert warning["metric"] == "latency_ms"
        assert warning["opened_at"] > since
        assert warning["usual"] < warning["threshold"] <= warning["level"]
    # A warning may close by the next pass, so the closed ones are asked for too.
    table = demo.svcmap("warnings", "--all")
    assert table.code == 0
    for warning in warned:  # type: ignore[attr-defined]
        assert str(warning["subject"]) in table.out
    page = httpx.get(f"{demo.base}/warnings", params={"all": "1"}, timeout=10)
    assert page.status_code == 200
    for warning in warned:  # type: ignore[attr-defined]
        assert f"<td>{html.escape(str(warning['subject']))}</td>" in page.text

    healed = demo.svcmap("demo", "heal", "--port", port)
    assert healed.code == 0
    assert "every service healthy" in healed.out
