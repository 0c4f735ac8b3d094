"""A real Alertmanager sends its webhook to two `svcmap serve` replicas sharing one database.

Alertmanager (Debian's prometheus-alertmanager, installed by scripts/test when it may)
gets an alert on its API; its webhook, with a bearer token in `http_config`, reaches
both replicas; a local fake PagerDuty must see one trigger, then one resolve, and a
local fake Slack one incident post (linked from the trigger), edited when it resolves.
An alert that resolves and fires again within `SVCMAP_RESOLVE_HOLD` (a flap, as
Alertmanager sends it: the same group, a new `startsAt`) reopens that incident: still one
trigger and one resolve.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import SVCMAP
from tests.fake_pagerduty import FakePagerDuty
from tests.slack.fake_api import Call, FakeSlack
from tests.slack.requests import SECRET
from topology.incidents.keys import digest

pytestmark = pytest.mark.slow

ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
TOKEN = "e2e-webhook-token"
WEB_KEY = "W" * 32
CATALOG = f"""
teams:
  web: {{slack_channel: "#web", pagerduty_routing_key: "{WEB_KEY}"}}
  payments: {{slack_channel: "#payments-oncall"}}
services: {{frontend: web, checkout: web, payment: payments}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url}: the process exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not come up")


def zipkin_traffic(now: int) -> list[dict[str, object]]:
    """frontend -> checkout -> payment, a trace every five minutes over the last two hours."""
    spans: list[dict[str, object]] = []
    for number, minutes_ago in enumerate(range(125, 0, -5)):
        start = (now - minutes_ago * 60) * 1_000_000
        trace = f"{number + 1:032x}"
        hops = [("frontend", "checkout"), ("checkout", "payment")]
        spans.append(_span(trace, "a1", None, "SERVER", "frontend", start=start))
        parent = "a1"
        for depth, (caller, callee) in enumerate(hops, 1):
            client, server = f"c{depth}", f"d{depth}"
            spans.append(
                _span(trace, client, parent, "CLIENT", caller, start=start + depth, remote=callee)
            )
            spans.append(_span(trace, server, client, "SERVER", callee, start=start + depth + 1))
            parent = server
    return spans


def _span(trace, span_id, parent, kind, service, *, start, remote=None) -> dict[str, object]:
    span: dict[str, object] = {
        "traceId": trace,
        "id": span_id.rjust(16, "0"),
        "kind": kind,
        "name": "call",
        "timestamp": start,
        "duration": 20_000,
        "localEndpoint": {"serviceName": service},
    }
    if parent:
        span["parentId"] = parent.rjust(16, "0")
    if remote:
        span["remoteEndpoint"] = {"serviceName": remote}
    return span


@pytest.fixture
def pagerduty() -> Iterator[FakePagerDuty]:
    with FakePagerDuty() as fake:
        yield fake


@pytest.fixture
def resolve_hold() -> str:
    """`SVCMAP_RESOLVE_HOLD`: resolves sent at once, unless a test waits for a flap."""
    return "0"


@pytest.fixture
def environment(
    tmp_path: Path, pagerduty: FakePagerDuty, fake_slack: FakeSlack, resolve_hold: str
) -> dict[str, str]:
    catalog = tmp_path / "owners.yaml"
    catalog.write_text(CATALOG)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVCMAP_")}
    env.update(
        HOME=str(tmp_path),
        SVCMAP_DATABASE_URL=f"sqlite:///{tmp_path / 'svcmap.db'}",
        SVCMAP_CATALOG_FILE=str(catalog),
        SVCMAP_PAGING_MODE="on",
        SVCMAP_RESOLVE_HOLD=resolve_hold,
        SVCMAP_PAGERDUTY_EVENTS_URL=pagerduty.url,
        SVCMAP_ALERT_TOKEN=TOKEN,
        SVCMAP_INCIDENT_CHANNEL="#incidents",
        SVCMAP_SLACK_BOT_TOKEN="xoxb-e2e-token",
        SVCMAP_SLACK_SIGNING_SECRET=SECRET,
        SVCMAP_SLACK_API_URL=fake_slack.api_url,
    )
    return env


def svcmap(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SVCMAP), *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def replicas(environment: dict[str, str], tmp_path: Path) -> Iterator[list[int]]:
    """Two `svcmap serve` processes on one SQLite database, with two hours of traffic."""
    traffic = tmp_path / "traffic.json"
    traffic.write_text(json.dumps(zipkin_traffic(int(time.time()))))
    done = svcmap(environment, "import", traffic)
    assert done.returncode == 0, done.stderr
    ports = [free_port(), free_port()]
    with ExitStack() as logs:
        processes = [
            subprocess.Popen(
                [str(SVCMAP), "serve", "--port", str(port)],
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=logs.enter_context((tmp_path / f"serve-{port}.log").open("wb")),
            )
            for port in ports
        ]
        try:
            for port, process in zip(ports, processes, strict=True):
                wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
            yield ports
        finally:
            for process in processes:
                process.terminate()
                process.wait(15)


@pytest.fixture
def alertmanager(tmp_path: Path, replicas: list[int]) -> Iterator[str]:
    """Alertmanager on 127.0.0.1, grouping fast, its webhook at both replicas."""
    if ALERTMANAGER is None:
        pytest.skip(
            "Alertmanager is not installed: scripts/test installs prometheus-alertmanager "
            "when run as root; or: sudo apt-get install prometheus-alertmanager"
        )
    hooks = "".join(
        f"""
      - url: http://127.0.0.1:{port}/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: {TOKEN}"""
        for port in replicas
    )
    config = tmp_path / "alertmanager.yml"
    config.write_text(
        f"""
route:
  receiver: svcmap
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: svcmap
    webhook_configs:{hooks}
"""
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (tmp_path / "alertmanager.log").open("wb") as log:
        process = subprocess.Popen(
            [
                ALERTMANAGER,
                f"--config.file={config}",
                f"--storage.path={tmp_path / 'alertmanager'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            wait_until_up(f"{url}/-/ready", process)
            yield url
        finally:
            process.terminate()
            process.wait(15)


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def alert(starts: int, ends: int | None = None) -> list[dict[str, object]]:
    item: dict[str, object] = {
        "labels": {"alertname": "HighErrorRate", "service": "checkout", "severity": "critical"},
        "annotations": {"summary": "checkout 5xx ratio above 5%"},
        "startsAt": iso(starts),
        "generatorURL": "http://prometheus.example.com/graph",
    }
    if ends is not None:
        item["endsAt"] = iso(ends)
    return [item]


def incident_posts(fake_slack: FakeSlack) -> list[Call]:
    return [c for c in fake_slack.of("chat.postMessage") if c.params.get("channel") == "#incidents"]


def test_alertmanager_pages_once_through_two_replicas_then_resolves(
    alertmanager, pagerduty, fake_slack, environment, tmp_path
):
    starts = int(time.time()) - 30
    group_key = '{}:{alertname="HighErrorRate", service="checkout"}'
    expected = f"svcmap/{digest(group_key)}-{starts}/checkout"

    posted = httpx.post(f"{alertmanager}/api/v2/alerts", json=alert(starts), timeout=5)
    assert posted.status_code == 200, posted.text
    (trigger,) = pagerduty.wait_for(1, timeout_s=30)

    assert trigger["event_action"] == "trigger"
    assert trigger["dedup_key"] == expected
    assert trigger["routing_key"] == WEB_KEY
    assert trigger["payload"]["source"] == "checkout"
    assert trigger["payload"]["severity"] == "critical"
    assert all(link["text"] != "Incident post in Slack" for link in trigger.get("links", []))
    fake_slack.wait_for("chat.postMessage", timeout=30)  # the post follows the page
    (post,) = incident_posts(fake_slack)
    assert "*checkout*" in post.text_of_blocks()

    posted = httpx.post(
        f"{alertmanager}/api/v2/alerts", json=alert(starts, int(time.time()) - 1), timeout=5
    )
    assert posted.status_code == 200, posted.text
    events = pagerduty.wait_for(2, timeout_s=30)
    time.sleep(3)  # room for a second, wrong, page to arrive

    assert [e["event_action"] for e in pagerduty.events] == ["trigger", "resolve"]
    assert events[1]["dedup_key"] == expected
    assert events[1]["routing_key"] == WEB_KEY
    (edit,) = fake_slack.wait_for("chat.update", timeout=30)
    assert "*Resolved* after" in edit.text_of_blocks()
    assert len(incident_posts(fake_slack)) == 1

    (incident,) = json.loads(svcmap(environment, "incidents", "--json").stdout)
    assert (incident["status"], incident["symptom"], incident["paged_team"]) == (
        "resolved",
        "checkout",
        "web",
    )
    sent = json.loads(svcmap(environment, "pages", "--json").stdout)
    assert sorted((p["kind"], p["state"], p["dedup_key"]) for p in sent["pages"]) == [
        ("resolve", "sent", expected),
        ("trigger", "sent", expected),
    ]
    snapshot = tmp_path / "incident.json"
    exported = svcmap(
        environment, "snapshot", "export", "--incident", str(incident["id"]), "-o", snapshot
    )
    assert exported.returncode == 0, exported.stderr
    assert json.loads(snapshot.read_text())["symptom"]["service"] == "checkout"


def thread_replies(fake_slack: FakeSlack) -> list[Call]:
    return [c for c in fake_slack.of("chat.postMessage") if c.params.get("thread_ts")]


def held_resolves(environment: dict[str, str]) -> list[dict[str, object]]:
    sent = json.loads(svcmap(environment, "pages", "--json").stdout)
    return [p for p in sent["pages"] if p["kind"] == "resolve" and p["state"] == "pending"]


def wait_until(condition: Callable[[], object], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


@pytest.mark.parametrize("resolve_hold", ["10s"])
def test_an_alert_firing_again_within_the_resolve_hold_pages_once_and_resolves_once(
    alertmanager, pagerduty, fake_slack, environment, resolve_hold
):
    """What Alertmanager sends for a flap (one group, a new `startsAt`) reopens the incident."""
    starts = int(time.time()) - 30
    group_key = '{}:{alertname="HighErrorRate", service="checkout"}'
    expected = f"svcmap/{digest(group_key)}-{starts}/checkout"

    def post(alerts: list[dict[str, object]]) -> None:
        answer = httpx.post(f"{alertmanager}/api/v2/alerts", json=alerts, timeout=5)
        assert answer.status_code == 200, answer.text

    post(alert(starts))
    (trigger,) = pagerduty.wait_for(1, timeout_s=30)
    fake_slack.wait_for("chat.postMessage", timeout=30)
    post(alert(starts, int(time.time()) - 1))
    wait_until(lambda: held_resolves(environment))  # recorded, not sent: the hold
    again = int(time.time())
    post(alert(again))
    wait_until(lambda: thread_replies(fake_slack))

    (reply,) = thread_replies(fake_slack)
    assert str(reply.params.get("text")).startswith("1 more alert firing • HighErrorRate")
    assert held_resolves(environment) == []  # taken back unsent
    (incident,) = json.loads(svcmap(environment, "incidents", "--json").stdout)
    assert incident["status"] == "firing"

    post(alert(again, int(time.time()) - 1))
    events = pagerduty.wait_for(2, timeout_s=60)  # the hold, then the next sweep
    time.sleep(3)  # room for a second, wrong, page or resolve to arrive

    assert [(e["event_action"], e["dedup_key"]) for e in pagerduty.events] == [
        ("trigger", expected),
        ("resolve", expected),
    ]
    assert events[0] == trigger
    (edit,) = fake_slack.wait_for("chat.update", timeout=30)
    assert "*Resolved* after" in edit.text_of_blocks()
    assert len(incident_posts(fake_slack)) == 1
    (incident,) = json.loads(svcmap(environment, "incidents", "--json").stdout)
    assert incident["status"] == "resolved"
