"""Alert to page on a 500-service map: webhook received to PagerDuty event sent.

    .venv/bin/python -m bench.alert_speed [--services N] [--repeat R] [--keep FILE]

Stores 2h15m of per-minute edge statistics for N services (each called by up to two
services numbered before it; a few deep services fail in the last 15 minutes) in a
fresh SQLite file, then runs `svcmap serve`'s web app, alert workers and sender (uvicorn
on 127.0.0.1), tuned as `svcmap serve` tunes its process, with paging on against a local
fake PagerDuty. Each round posts a new firing group for the root service and times until
the fake PagerDuty holds the trigger, then resolves the group and waits for the
incident's snapshot (saved after the page) before the next round. The clock stands
still, so every round after the first finds what the first read of the map's series
(`bot.usecases.minute_cache`): the first round's time is the one to watch, and the most
the bench prints.
`--keep FILE` fills FILE once and starts each later run from a copy of it (filling 5,000
services takes a minute or two).
Target: under 3 s from the webhook to the page, on a 500-service map.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import socket
import sqlite3
import statistics
import threading
import time
from contextlib import closing
from pathlib import Path

import httpx
import uvicorn

from bench.summary import figure
from bot.bootstrap import App, build_app
from bot.cli.serving import alert_workers, tune_for_serving
from bot.dispatcher import Dispatcher
from bot.settings import load_settings
from bot.web.app import create_app
from tests.fake_pagerduty import FakePagerDuty
from topology.stats import EdgeStats

SCRATCH = Path("/tmp/svcmap-bench")  # noqa: S108 - a scratch folder
NOW = 1_790_000_040
MINUTES = 135
FAILING_FROM = MINUTES - 15
TOKEN = "bench-token"  # noqa: S105 - a local benchmark's credential
TARGET_S = 3.0


def names(services: int) -> list[str]:
    """Service names, the root first."""
    return [f"svc-{i:04d}" for i in range(services)]


def fill(app_store: object, services: int, rng: random.Random, now: int = NOW) -> None:
    """Store the map's minutes up to `now`: a quiet baseline, then failures deep in the map."""
    store = app_store
    all_names = names(services)
    edges = [
        (all_names[parent], all_names[child])
        for child in range(1, services)
        for parent in rng.sample(range(child), min(child, 2))
    ]
    failing = set(rng.sample(all_names[services // 2 :], 3))
    for minute in range(MINUTES):
        batch = []
        for parent, child in edges:
            bad = child in failing and minute >= FAILING_FROM
            stats = EdgeStats(parent, child, calls=rng.randint(80, 120))
            stats.errors = rng.randint(30, 60) if bad else rng.randint(0, 1)
            for _ in range(20):
                stats.latency.add(rng.gauss(900 if bad else 40, 5))
            batch.append(stats)
        start = now - now % 60 - (MINUTES - minute) * 60
        store.ingest_edges(batch, minute_s=start, source="bench")  # type: ignore[attr-defined]


def catalog(services: int, path: Path) -> None:
    """Ten teams, each with a routing key and a channel, owning the services in turn."""
    teams = {
        f"team-{t}": {"slack_channel": f"#team-{t}", "pagerduty_routing_key": f"{t:032d}"}
        for t in range(10)
    }
    owners = {name: f"team-{i % 10}" for i, name in enumerate(names(services))}
    path.write_text(json.dumps({"teams": teams, "services": owners}))


def webhook(number: int, status: str) -> bytes:
    """A notification for the root service, a group of its own per round."""
    alert = {
        "status": status,
        "labels": {"alertname": f"Bench{number}", "service": "svc-0000", "severity": "critical"},
        "annotations": {"summary": "svc-0000 error ratio above 5%"},
        "startsAt": "2026-09-21T12:00:00Z",
        "endsAt": "2026-09-21T12:30:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "fingerprint": f"bench{number}",
    }
    return json.dumps(
        {
            "version": "4",
            "groupKey": f'{{}}:{{alertname="Bench{number}"}}',
            "status": status,
            "receiver": "svcmap",
            "alerts": [alert],
        }
    ).encode()


def keep(database: Path, path: Path) -> None:
    """A whole copy of the SQLite store `database` (what its write-ahead log holds too)."""
    with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(path)) as copy:
        source.backup(copy)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def settle(app: App) -> None:
    """Wait for the latest incident's snapshot (saved after its page): one alert at a time."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        latest = app.incidents.incidents(1)
        if latest and latest[0].has_snapshot:
            return
        time.sleep(0.05)
    raise SystemExit("the incident's snapshot was not saved within 60 s")


def rounds(
    app: App, pagerduty: FakePagerDuty, base: str, repeat: int
) -> tuple[list[float], list[float]]:
    """Fire and resolve `repeat` groups; the seconds to each answer and to each page."""
    url = f"{base}/alerts/alertmanager"
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    answered, paged = [], []
    with httpx.Client(timeout=30) as client:
        for number in range(repeat):
            before = len(pagerduty.events)
            start = time.perf_counter()
            reply = client.post(url, content=webhook(number, "firing"), headers=headers)
            answered.append(time.perf_counter() - start)
            pagerduty.wait_for(before + 1, timeout_s=30)
            paged.append(time.perf_counter() - start)
            if reply.status_code != 200 or len(pagerduty.events) != before + 1:
                raise SystemExit(f"round {number}: {reply.status_code} {reply.text}")
            client.post(url, content=webhook(number, "resolved"), headers=headers)
            pagerduty.wait_for(before + 2, timeout_s=30)
            settle(app)
    return answered, paged


def main() -> None:
    """Fill the store, serve, and time webhook-to-page rounds."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="fill this store once, start from a copy")
    args = parser.parse_args()
    tune_for_serving()  # as `svcmap serve` runs
    SCRATCH.mkdir(parents=True, exist_ok=True)
    database = SCRATCH / "alerts.db"
    for leftover in SCRATCH.glob("alerts.db*"):
        leftover.unlink()
    catalog(args.services, SCRATCH / "alert-owners.yaml")
    with FakePagerDuty() as pagerduty:
        settings = load_settings(
            database_url=f"sqlite:///{database}",
            catalog_file=SCRATCH / "alert-owners.yaml",
            paging_mode="on",
            pagerduty_events_url=pagerduty.url,
            alert_token=TOKEN,
            resolve_hold=0,  # the clock stands still: a held resolve would never be due
        )
        if args.keep is not None and args.keep.exists():
            shutil.copyfile(args.keep, database)
            print(f"{args.services} services, {MINUTES} minutes copied from {args.keep}")
        app = build_app(settings, clock=lambda: float(NOW))
        if args.keep is None or not args.keep.exists():
            started = time.perf_counter()
            fill(app.store, args.services, random.Random(7))
            print(
                f"{args.services} services, {MINUTES} minutes stored in "
                f"{time.perf_counter() - started:.1f} s"
            )
            if args.keep is not None:
                keep(database, args.keep)
        dispatcher = Dispatcher(app, holder="bench")
        workers = alert_workers(app, holder="bench", wake_sender=dispatcher.wake)
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(app, wake=dispatcher.wake, alert_workers=workers),
                host="127.0.0.1",
                port=port,
                log_level="warning",
                lifespan="off",
            )
        )
        serving = threading.Thread(target=server.run, daemon=True)
        serving.start()
        dispatcher.start()
        workers.start()
        while not server.started:
            time.sleep(0.05)
        try:
            answered, paged = rounds(app, pagerduty, f"http://127.0.0.1:{port}", args.repeat)
        finally:
            server.should_exit = True
            workers.stop()
            dispatcher.stop()
            serving.join(10)
            app.close()
        cause = pagerduty.events[0]["payload"]["component"]
    print(f"paged about {cause} (the root service is svc-0000)")
    print(f"webhook answered  median {statistics.median(answered) * 1000:7.0f} ms")
    worst = max(paged)
    mark = "" if worst < TARGET_S else "  TARGET MISSED"
    print(
        f"webhook -> page   median {statistics.median(paged) * 1000:7.0f} ms, "
        f"max {worst * 1000:.0f} ms  (target < {TARGET_S:.0f} s){mark}"
    )
    figure("alert: webhook -> page, max", worst, "s", "<=", TARGET_S)


if __name__ == "__main__":
    main()
