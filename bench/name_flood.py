"""A flood of 100,000 new service names, then an alert: is the page still on time.

    .venv/bin/python -m bench.name_flood [--services N] [--names N] [--exports N] [--rounds N]

Stores the map of `bench.alert_speed` (N services, 100 by default, 2h15m of per-minute
edge statistics, ending now; every service downstream of the root one) in a fresh SQLite
file, starts `svcmap serve` (the installed command) on 127.0.0.1 with paging on against a
local fake PagerDuty, then:

- floods `/v1/traces` with `--names` distinct service names (default 100,000) in
  `--exports` OTLP JSON exports (default ten of ~2 MB): each name one span, a server
  span, or for every fifth name a client span to a database of its own name (a virtual
  node and an edge); the time each export takes to be answered;
- the server's resident memory (with its child processes, once they run their own
  program) before, at its highest during the flood (sampled every 50 ms), and after;
  target <= 1 GB;
- Alertmanager notifications for the root service (on the map before the flood; every
  service a candidate cause), each to its trigger reaching the fake PagerDuty, `--rounds`
  before the flood and as many after it (the first `SETTLE_S` after the flood, when an
  alert no longer takes what one read before it); target <= 3 s after it; with the
  server's CPU seconds meanwhile, and the load average, as the wall time depends on both;
- `GET /api/map` (the web view's whole map) and `svcmap deps` of the root service (the
  installed command, against the same store), before and after the flood;
- what the caps refused, as `/metrics` counts it, the spans the receiver keeps to pair
  (none of a refused service), and the names the store holds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from bench.alert_speed import MINUTES, TOKEN, catalog, fill, webhook
from bench.memory import children, rss_mb
from bench.query_speed import ROOT, verdict
from bench.summary import figure
from bot.bootstrap import build_app
from bot.settings import load_settings
from bot.usecases.graphs import SETTLE_S
from tests.e2e.conftest import SVCMAP, start_serve
from tests.fake_pagerduty import FakePagerDuty

SCRATCH = Path("/tmp/svcmap-bench")  # noqa: S108 - a scratch folder
TARGET_PAGE_S, TARGET_RSS_MB = 3.0, 1024.0
ROOT_SERVICE = "svc-0000"


def flood_export(first: int, count: int) -> bytes:
    """One OTLP JSON export of `count` new service names, numbered from `first`.

    Each name has one span, as small as OTLP JSON allows (no time: counted as it arrives):
    a server span, or for every fifth name a client span to a database named after it (a
    virtual node and an edge).
    """
    groups = []
    for number in range(first, first + count):
        span: dict[str, object] = {
            "traceId": f"{number + 1:032x}",
            "spanId": f"{number + 1:016x}",
            "kind": 2,
        }
        if number % 5 == 0:
            span["kind"] = 3
            span["attributes"] = [{"key": "db.name", "value": {"stringValue": f"db{number}"}}]
        service = {"key": "service.name", "value": {"stringValue": f"f{number}"}}
        groups.append({"resource": {"attributes": [service]}, "scopeSpans": [{"spans": [span]}]})
    return json.dumps({"resourceSpans": groups}, separators=(",", ":")).encode()


def total_mb(pid: int) -> float:
    """The resident memory of `pid` and of its child processes, in MB.

    A child forked but not yet running its own program (Graphviz, say) is left out: until
    it does, it reports the server's own pages as resident (it shares them), and counting
    them again doubled the server's memory in the odd sample that caught one.
    """
    own = _command_line(pid)
    total = rss_mb(pid)
    for child in children(pid):
        try:
            if _command_line(child) in (own, b""):
                continue
            total += rss_mb(child)
        except (FileNotFoundError, ProcessLookupError, StopIteration):  # it ended meanwhile
            continue
    return total


def _command_line(pid: int) -> bytes:
    return Path(f"/proc/{pid}/cmdline").read_bytes()


def cpu_s(pid: int) -> float:
    """The CPU seconds process `pid` has used so far (user and system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Peak:
    """The highest resident memory of a process, sampled in a thread until stopped."""

    def __init__(self, pid: int) -> None:
        self.mb = total_mb(pid)
        self._pid = pid
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.mb = max(self.mb, total_mb(self._pid))

    def stop(self) -> float:
        """Stop sampling; the highest seen."""
        self._stop.set()
        self._thread.join()
        return self.mb


def prepare(services: int) -> tuple[Path, Path]:
    """A fresh SQLite store holding the map, and the owners' catalog; their paths."""
    SCRATCH.mkdir(parents=True, exist_ok=True)
    database, owners = SCRATCH / "flood.db", SCRATCH / "flood-owners.yaml"
    for leftover in SCRATCH.glob("flood.db*"):
        leftover.unlink()
    catalog(services, owners)
    started = time.perf_counter()
    settings = load_settings(database_url=f"sqlite:///{database}", catalog_file=owners)
    with build_app(settings) as app:
        fill(app.store, services, random.Random(7), now=int(time.time()))
    print(
        f"map: {services} services, {MINUTES} minutes of edges up to now, stored in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return database, owners


def serve_env(database: Path, owners: Path, pagerduty: FakePagerDuty) -> dict[str, str]:
    """The environment of `svcmap serve`: the store, the catalog, paging on to the fake."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
    env.update(
        SVCMAP_DATABASE_URL=f"sqlite:///{database}",
        SVCMAP_CATALOG_FILE=str(owners),
        SVCMAP_PAGING_MODE="on",
        SVCMAP_RESOLVE_HOLD="0",  # each round waits for its resolve to reach PagerDuty
        SVCMAP_PAGERDUTY_EVENTS_URL=pagerduty.url,
        SVCMAP_ALERT_TOKEN=TOKEN,
        SVCMAP_REFRESH_INTERVAL="1h",
    )
    return env


def flood(base: str, names_sent: int, exports: int) -> list[float]:
    """Send the flood; the seconds each export took to be answered."""
    per_export = names_sent // exports
    took = []
    with httpx.Client(timeout=300) as client:
        for number in range(exports):
            body = flood_export(number * per_export, per_export)
            started = time.perf_counter()
            answer = client.post(
                f"{base}/v1/traces", content=body, headers={"Content-Type": "application/json"}
            )
            took.append(time.perf_counter() - started)
            if answer.status_code != 200:
                raise SystemExit(f"export {number}: {answer.status_code} {answer.text[:200]}")
            if number == 0:
                print(f"export size: {len(body) / 1e6:.2f} MB, {per_export:,} new names each")
    return took


def page_time(base: str, pagerduty: FakePagerDuty, number: int, pid: int) -> tuple[float, float]:
    """Seconds from a firing alert for the root service to its trigger at PagerDuty.

    With the CPU seconds the server (process `pid`) used meanwhile: what the wall time
    comes to on a machine shared with other work. The alert is resolved after (its
    resolve reaching PagerDuty too), so that the next one opens an incident of its own
    rather than joining this one.
    """
    url = f"{base}/alerts/alertmanager"
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    before = len(pagerduty.events)
    with httpx.Client(timeout=60) as client:
        used = cpu_s(pid)
        started = time.perf_counter()
        reply = client.post(url, content=webhook(number, "firing"), headers=headers)
        events = pagerduty.wait_for(before + 1, timeout_s=60)
        took = time.perf_counter() - started
        used = cpu_s(pid) - used
        if reply.status_code != 200 or len(events) <= before:
            raise SystemExit(f"alert {number}: {reply.status_code} {reply.text[:200]}; no page")
        client.post(url, content=webhook(number, "resolved"), headers=headers)
        pagerduty.wait_for(before + 2, timeout_s=60)
    return took, used


def refused(base: str) -> list[str]:
    """`/metrics`' samples of what the caps refused and of the receiver's pairing memory."""
    text = httpx.get(f"{base}/metrics", timeout=30).text
    wanted = ("svcmap_names_refused", "svcmap_otlp_recent_spans", "svcmap_otlp_waiting_traces")
    return [line for line in text.splitlines() if line.startswith(wanted)]


def deps_time(env: dict[str, str]) -> float:
    """Seconds `svcmap deps` of the root service takes, as a person would run it."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(SVCMAP), "deps", ROOT_SERVICE],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"svcmap deps failed: {done.stderr[-500:]}")
    return took


def map_time(base: str) -> float:
    """Seconds `GET /api/map` (the whole map, everything stored) takes."""
    started = time.perf_counter()
    answer = httpx.get(f"{base}/api/map", timeout=300)
    took = time.perf_counter() - started
    if answer.status_code != 200:
        raise SystemExit(f"/api/map: {answer.status_code} {answer.text[:200]}")
    return took


def main() -> int:
    """Build the map, serve it, flood it, then time an alert, the map and `deps`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--exports", type=int, default=10)
    args = parser.parse_args()
    database, owners = prepare(args.services)
    with FakePagerDuty() as pagerduty:
        env = serve_env(database, owners, pagerduty)
        process, base = start_serve(env, ROOT, timeout_s=60)
        try:
            before_page = [page_time(base, pagerduty, n, process.pid) for n in range(args.rounds)]
            before_map = map_time(base)
            before_deps = deps_time(env)
            before = total_mb(process.pid)
            peak = Peak(process.pid)
            took = flood(base, args.names, args.exports)
            time.sleep(SETTLE_S)  # the next alert reads the store anew, not what one read before
            after_page = [
                page_time(base, pagerduty, n, process.pid) for n in range(100, 100 + args.rounds)
            ]
            after_map = map_time(base)
            highest = peak.stop()
            after = total_mb(process.pid)
            counted = refused(base)
        finally:
            process.terminate()
            process.wait(30)
        after_deps = deps_time(env)
    with build_app(load_settings(database_url=f"sqlite:///{database}")) as app:
        stored = len(app.store.nodes())
    print(
        f"flood: {args.names:,} new names in {args.exports} exports, answered in "
        f"{sum(took):.1f} s (slowest export {max(took) * 1000:.0f} ms)"
    )
    print(f"names in the store after the flood: {stored:,} (the map had {args.services})")
    for line in counted:
        print(f"  {line}")
    print(f"alert -> page before the flood: {_pages(before_page)}")
    slowest = max(took for took, _ in after_page)
    print(
        f"alert -> page after the flood:  {_pages(after_page)} "
        f"(target <= {TARGET_PAGE_S:.0f} s){verdict(slowest, TARGET_PAGE_S)}"
    )
    figure("name flood: alert -> page after, max", slowest, "s", "<=", TARGET_PAGE_S)
    print("load average (1, 5, 15 min) at the end: {:.1f}, {:.1f}, {:.1f}".format(*os.getloadavg()))
    print(
        f"server RSS: {before:,.0f} MB before, {highest:,.0f} MB at most, {after:,.0f} MB after "
        f"(target <= {TARGET_RSS_MB:,.0f} MB){verdict(highest, TARGET_RSS_MB)}"
    )
    figure("name flood: server RSS, max", highest, "MB", "<=", TARGET_RSS_MB)
    print(f"/api/map: {before_map * 1000:.0f} ms before, {after_map * 1000:.0f} ms after")
    print(f"svcmap deps {ROOT_SERVICE}: {before_deps:.2f} s before, {after_deps:.2f} s after")
    return 0


def _pages(timed: list[tuple[float, float]]) -> str:
    """Each alert's seconds to its page, with the server's CPU seconds meanwhile."""
    return ", ".join(f"{took:.2f} s (server CPU {used:.2f} s)" for took, used in timed)


if __name__ == "__main__":
    sys.exit(main())
