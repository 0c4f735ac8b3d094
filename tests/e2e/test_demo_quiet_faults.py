"""`svcmap demo break` with faults no span of the service shows: a slow network into it,
seen only on its callers' side of their calls, and exceptions seen only in its logs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import RunningDemo, start_demo, stop_demo
from topology.timespec import format_time

pytestmark = pytest.mark.slow

SPEED = "30"
"""Simulated seconds per real second: four minutes of the fault take eight real seconds."""
SHOP_NODES = 20
WINDOW_S = 180
"""The incident window the ranking reads (`--window 3m`): the fault fills it, no more."""
STORED_S = 60
"""The window is stored once every node has traffic stored this long after its end."""
RANKED_S = 45
"""How long a quiet ranking is asked again, while the window's logs may still be coming."""


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[RunningDemo]:
    """A demo of its own, its healthy history (the baseline) stored and live traffic coming."""
    process, running = start_demo(tmp_path, "--speed", SPEED, "--history", "40m")
    try:
        wait_for(lambda: stored(running, None), seconds=120)
        yield running
    finally:
        stop_demo(process)


def stored(demo: RunningDemo, until: int | None) -> bool:
    """Whether every node of the shop has traffic stored in the minute before `until`.

    None is the demo's last minute.
    """
    params = {"window": "1m"} if until is None else {"window": "1m", "at": str(until)}
    try:
        answer = httpx.get(f"{demo.base}/api/map", params=params, timeout=10)
        return len(answer.json()["nodes"]) >= SHOP_NODES
    except (httpx.TransportError, ValueError, KeyError):
        return False


def wait_for(check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.5)


def broken_then_ranked(
    demo: RunningDemo, service: str, *how: str, caller: str
) -> tuple[str, list[dict[str, object]]]:
    """Break `service` as `how` says; rank the causes for `caller` over the fault's first minutes.

    The window starts with the minute the fault was put in force in (`since`), so that
    none of it leaks into the baseline's minutes; it is ranked once it is stored.
    """
    broke = demo.svcmap("demo", "break", service, *how, "--port", str(demo.port))
    assert broke.code == 0, broke.err
    state = demo.svcmap("demo", "status", "--json", "--port", str(demo.port)).json()
    (fault,) = state["faults"]  # type: ignore[index]
    since = int(fault["since"])
    at = since - since % 60 + WINDOW_S
    wait_for(lambda: demo.now() >= at + STORED_S and stored(demo, at + STORED_S))
    # The logs come in batches of their own, after the spans on a busy machine: what is
    # stored of the window only grows, so a quiet answer is asked again for a while.
    deadline = time.monotonic() + RANKED_S
    while True:
        answer = demo.svcmap(
            "rca", caller, "--at", str(at), "--window", "3m", "--baseline", "30m", "--json"
        )
        assert answer.code == 0, answer.err
        ranking: list[dict[str, object]] = answer.json()["ranking"]  # type: ignore[index]
        if ranking or time.monotonic() > deadline:
            break
        time.sleep(2)
    return broke.out, ranking


def test_a_slow_network_into_cart_is_ranked_first_for_its_caller(demo: RunningDemo):
    said, ranking = broken_then_ranked(demo, "cart", "--network", "500ms", caller="checkout")

    assert "broken: cart +500 ms on the network into it" in said
    assert ranking, "quiet"
    assert ranking[0]["service"] == "cart", ranking


def test_exceptions_payment_only_logs_are_ranked_first_for_its_caller(demo: RunningDemo):
    said, ranking = broken_then_ranked(demo, "payment", "--exceptions", "30%", caller="checkout")

    assert "broken: payment logs an exception on 30% of requests" in said
    state = demo.svcmap("demo", "status", "--json", "--port", str(demo.port)).json()
    assert state["logs_sent"] > 0  # type: ignore[index]
    assert ranking, "quiet"
    assert ranking[0]["service"] == "payment", ranking


def test_a_slow_network_asked_about_long_after_it_began_is_ranked_from_its_start(
    demo: RunningDemo,
):
    """Asked 25 minutes in with the default 15-minute window: the fault's first 10 minutes
    lie in the baseline, where they were once read as its normal tail ("looks like the
    baseline")."""
    broke = demo.svcmap("demo", "break", "cart", "--network", "500ms", "--port", str(demo.port))
    assert broke.code == 0, broke.err
    state = demo.svcmap("demo", "status", "--json", "--port", str(demo.port)).json()
    (fault,) = state["faults"]  # type: ignore[index]
    since = int(fault["since"])
    began = since - since % 60
    at = began + 25 * 60
    wait_for(lambda: demo.now() >= at + STORED_S and stored(demo, at + STORED_S), seconds=180)

    answer = demo.svcmap("rca", "checkout", "--at", str(at), "--json")

    assert answer.code == 0, answer.err
    report = answer.json()
    assert isinstance(report, dict)
    ranking = report["ranking"]
    assert ranking, report
    assert ranking[0]["service"] == "cart", ranking
    # The fault's minute, give or take one: a slow outlier just before it, or a first minute
    # too thin to show it, moves where the run of slow minutes starts.
    assert report["began"] in [format_time(began + 60 * d) for d in (-1, 0, 1)], report
