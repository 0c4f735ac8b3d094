"""`svcmap demo` fills the map through its own OTLP receiver, and a broken service is found."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from tests.e2e.conftest import RunningDemo, start_demo, stop_demo

pytestmark = pytest.mark.slow

SPEED = "30"
"""Simulated seconds per real second: three incident minutes take six real seconds."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    process, running = start_demo(
        tmp_path_factory.mktemp("demo"), "--speed", SPEED, "--history", "20m"
    )
    yield running
    stop_demo(process)


def wait_for(check, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.5)


def test_the_demo_fills_the_map_with_the_shop_through_ingestion(demo: RunningDemo):
    # A call into a peer nobody instruments (stripe-api) is stored once its client span
    # has waited out the pairing wait, so it may come after the shop's other calls.
    wanted = {
        ("checkout", "kafka"),
        ("kafka", "accounting"),
        ("payment", "stripe-api"),
        ("productcatalog", "postgres"),
    }

    def edges() -> set[tuple[str, str]]:
        answer = demo.svcmap("edges", "--json").json()
        return {(e["parent"], e["child"]) for e in answer}  # type: ignore[union-attr]

    wait_for(lambda: len(edges()) >= 25 and wanted <= edges())
    assert wanted <= edges()
    metrics = httpx.get(f"{demo.base}/metrics", timeout=10).text
    assert "svcmap_otlp_spans_accepted_total" in metrics
    assert 'svcmap_http_connections_closed_total{reason="headers_late"}' in metrics


def test_a_broken_payment_is_ranked_first_for_the_checkout_symptom(demo: RunningDemo):
    broke = demo.svcmap("demo", "break", "payment", "--errors", "50%", "--port", str(demo.port))
    assert broke.code == 0, broke.err
    assert "payment fails 50%" in broke.out
    started = demo.now()
    wait_for(lambda: demo.now() - started >= 240)

    ranked = demo.svcmap(
        "rca", "checkout", "--at", str(demo.now()), "--window", "3m", "--baseline", "15m", "--json"
    )

    assert ranked.code == 0, ranked.err
    ranking = ranked.json()["ranking"]  # type: ignore[index]
    assert ranking[0]["service"] == "payment"
    status = demo.svcmap("demo", "status", "--json", "--port", str(demo.port)).json()
    fired = {(a["alert"], a["service"]) for a in status["alerts"]}  # type: ignore[index]
    assert ("HighErrorRate", "payment") in fired
    assert all(a["http_status"] in (200, 202) for a in status["alerts"])  # type: ignore[index]
    shown = httpx.get(f"{demo.base}/api/incidents", timeout=10).json()["incidents"]
    payment = [incident for incident in shown if incident["service"] == "payment"]
    assert payment, shown
    summary = payment[0]["summary"]
    joined = re.search(r"grouped into incident (\d+)$", summary)
    if joined:  # payment's alert joined checkout's incident: that one says whom it paged
        summary = next(i["summary"] for i in shown if i["id"] == int(joined.group(1)))
    assert "paged:" in summary
    listed = demo.svcmap("incidents", "--json")
    assert listed.code == 0, listed.err
    assert "payment" in listed.out
    healed = demo.svcmap("demo", "heal", "--port", str(demo.port))
    assert healed.code == 0
    assert "every service healthy" in healed.out


def test_breaking_a_service_the_shop_lacks_is_refused_with_its_names(demo: RunningDemo):
    done = demo.svcmap("demo", "break", "paymnt", "--errors", "10%", "--port", str(demo.port))
    assert done.code == 1
    assert "no 'paymnt'" in done.err
    assert "payment" in done.err


def test_a_bad_share_of_errors_is_a_usage_error(demo: RunningDemo):
    done = demo.svcmap("demo", "break", "payment", "--errors", "150%", "--port", str(demo.port))
    assert done.code == 2
    assert "percentage" in done.err


def test_the_control_refuses_a_change_that_is_not_json(demo: RunningDemo):
    answer = httpx.put(f"{demo.base}/demo/faults/payment", content=b"errors=1", timeout=10)
    assert answer.status_code == 415
    answer = httpx.delete(f"{demo.base}/demo/faults", timeout=10)
    assert answer.status_code == 415


def test_the_control_refuses_a_fault_over_its_size_limit(demo: RunningDemo):
    fault = {"errors": 0.5, "padding": "x" * 5_000}
    answer = httpx.put(f"{demo.base}/demo/faults/payment", json=fault, timeout=10)
    assert answer.status_code == 413
    assert "over 4,096 bytes" in answer.json()["error"]


def test_the_control_refuses_a_request_naming_another_host(demo: RunningDemo):
    answer = httpx.get(f"{demo.base}/demo/state", headers={"host": "evil.example:80"}, timeout=10)
    assert answer.status_code == 403
