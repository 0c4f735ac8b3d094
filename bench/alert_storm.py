"""An alert storm against `svcmap serve`: 1,000 notifications in a minute on a fresh map.

    .venv/bin/python -m bench.alert_storm [--services N] [--notifications N] [--seconds S]
    .venv/bin/python -m bench.alert_storm --quick

Stores 2h15m of per-minute edge statistics up to now for N services (the map of
`bench.alert_speed`, a few deep services failing in the last 15 minutes) in a fresh
SQLite file, starts `svcmap serve` (the installed command) with paging on against a fake
PagerDuty and Slack on against a fake Slack Web API, both on 127.0.0.1, then posts the
notifications evenly over the seconds from 16 threads: a quarter as many groups as
notifications, each on a service of the map, each notification of a group one alert
more. Prints the answers' statuses and latency, how long until every group is recorded,
the time from a new incident's first notification to its page, the Slack messages sent,
and the server's memory and the database's size before and after. Targets: every answer
200, p99 < 1 s, every group recorded, first page of a new incident p50 < 3 s.
`--quick`: 200 notifications over 12 s on the same map.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select

from bench.alert_speed import TOKEN, names
from bench.name_flood import Peak, prepare, total_mb
from bench.name_flood import serve_env as flood_env
from bench.summary import figure
from bot.adapters.store.schema import alert_outbox, incidents
from tests.e2e.conftest import start_serve
from tests.fake_pagerduty import FakePagerDuty
from tests.slack.fake_api import FakeSlack
from tests.slack.requests import SECRET

ROOT = Path(__file__).resolve().parents[1]
SENDERS = 16
TARGET_P99_S, TARGET_PAGE_S = 1.0, 3.0
DRAIN_LIMIT_S = 600


def notification(number: int, groups: int, service: str) -> bytes:
    """Notification `number`: of group `number % groups`, with one alert per round so far."""
    group, round_ = number % groups, number // groups
    alerts = [
        {
            "status": "firing",
            "labels": {"alertname": f"Storm{group}", "service": service, "severity": "critical"},
            "annotations": {"summary": f"{service} error ratio above 5%"},
            "startsAt": "2026-09-21T12:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": f"storm-{group}-{n}",
        }
        for n in range(round_ + 1)
    ]
    return json.dumps(
        {
            "version": "4",
            "groupKey": f'{{}}:{{alertname="Storm{group}"}}',
            "status": "firing",
            "receiver": "svcmap",
            "alerts": alerts,
            "commonLabels": {"alertname": f"Storm{group}"},
        }
    ).encode()


def serve_env(database: Path, owners: Path, pagerduty: FakePagerDuty, slack: str) -> dict[str, str]:
    """The settings of the server under test: paging on, Slack on, all on 127.0.0.1."""
    env = flood_env(database, owners, pagerduty)
    env.update(
        SVCMAP_INCIDENT_CHANNEL="#incidents",
        SVCMAP_SLACK_BOT_TOKEN="xoxb-bench",  # noqa: S106 - a benchmark value
        SVCMAP_SLACK_SIGNING_SECRET=SECRET,
        SVCMAP_SLACK_API_URL=slack,
    )
    return env


class Arrivals:
    """When each PagerDuty event arrived, sampled every 0.1 s until stopped."""

    def __init__(self, pagerduty: FakePagerDuty) -> None:
        self.pagerduty = pagerduty
        self.times: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            now = time.perf_counter()
            self.times += [now] * (len(self.pagerduty.events) - len(self.times))

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join()


def storm(
    base: str, bodies: list[bytes], seconds: float
) -> tuple[list[tuple[int, float]], list[float]]:
    """Post `bodies` evenly over `seconds`; each answer's status and latency, each send time."""
    sent_at = [0.0] * len(bodies)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    start = time.perf_counter()
    gap = seconds / len(bodies)

    def post(client: httpx.Client, number: int) -> tuple[int, float]:
        time.sleep(max(0.0, start + number * gap - time.perf_counter()))
        sent_at[number] = time.perf_counter()
        try:
            reply = client.post(f"{base}/alerts/alertmanager", content=bodies[number])
        except httpx.TimeoutException:
            return 0, time.perf_counter() - sent_at[number]
        return reply.status_code, time.perf_counter() - sent_at[number]

    with (
        httpx.Client(timeout=30, headers=headers) as client,
        ThreadPoolExecutor(SENDERS) as pool,
    ):
        answers = list(pool.map(lambda n: post(client, n), range(len(bodies))))
    return answers, sent_at


def drained(database: Path, groups: int) -> tuple[int, int, int]:
    """Groups recorded, incidents of their own, notifications still in the outbox."""
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            recorded = connection.execute(
                select(func.count(func.distinct(incidents.c.group_key)))
            ).scalar_one()
            own = connection.execute(
                select(func.count()).where(incidents.c.merged_into.is_(None))
            ).scalar_one()
            waiting = connection.execute(select(func.count()).select_from(alert_outbox)).scalar()
    finally:
        engine.dispose()
    return min(int(recorded), groups), int(own), int(waiting or 0)


def first_pages(
    database: Path, pagerduty: FakePagerDuty, arrivals: Arrivals, first_sent: dict[str, float]
) -> list[float]:
    """Seconds from each paged incident's first notification to its trigger reaching PagerDuty."""
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            keys = dict(connection.execute(select(incidents.c.key, incidents.c.group_key)).all())
    finally:
        engine.dispose()
    waits = []
    for event, arrived in zip(pagerduty.events, arrivals.times, strict=False):
        if event["event_action"] != "trigger":
            continue
        key = str(event["dedup_key"]).split("/")[1]
        group = keys.get(key)
        if group in first_sent:
            waits.append(arrived - first_sent[group])
    return waits


def first_sends(sent_at: list[float], groups: int) -> dict[str, float]:
    """When each group's first notification was sent, by its group key."""
    first: dict[str, float] = {}
    for number, at in enumerate(sent_at):
        first.setdefault(f'{{}}:{{alertname="Storm{number % groups}"}}', at)
    return first


def size_mb(database: Path) -> float:
    """The database file and its write-ahead log, in MB."""
    return sum(p.stat().st_size for p in database.parent.glob(f"{database.name}*")) / 1e6


def mark(*, missed: bool) -> str:
    """The note after a figure that misses its target."""
    return "  TARGET MISSED" if missed else ""


def main() -> None:
    """Fill a fresh map, serve it, send the storm, and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=500)
    parser.add_argument("--notifications", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--quick", action="store_true", help="200 notifications over 12 s")
    args = parser.parse_args()
    if args.quick:
        args.notifications, args.seconds = 200, 12.0
    database, owners = prepare(args.services)
    groups = max(1, args.notifications // 4)
    rng = random.Random(11)
    service_of = [rng.choice(names(args.services)) for _ in range(groups)]
    bodies = [notification(n, groups, service_of[n % groups]) for n in range(args.notifications)]
    with FakePagerDuty() as pagerduty:
        slack = FakeSlack()
        env = serve_env(database, owners, pagerduty, slack.api_url)
        process, base = start_serve(env, ROOT, timeout_s=60)
        try:
            before_mb, before_db = total_mb(process.pid), size_mb(database)
            peak, arrivals = Peak(process.pid), Arrivals(pagerduty)
            answers, sent_at = storm(base, bodies, args.seconds)
            sent = time.perf_counter()
            recorded, own, waiting = drained(database, groups)
            while (recorded < groups or waiting) and time.perf_counter() - sent < DRAIN_LIMIT_S:
                time.sleep(0.5)
                recorded, own, waiting = drained(database, groups)
            drain_s = time.perf_counter() - sent
            time.sleep(3)  # the last pages and edits
            peak_mb = peak.stop()
            arrivals.stop()
            after_mb, after_db = total_mb(process.pid), size_mb(database)
        finally:
            process.terminate()
            process.wait(30)
            slack.close()
        pages = first_pages(database, pagerduty, arrivals, first_sends(sent_at, groups))
        messages = len(slack.of("chat.postMessage"))
        edits = len(slack.of("chat.update"))
    report(answers, args, groups, (recorded, own, waiting, drain_s), pages)
    print(f"Slack: {messages} messages posted, {edits} edits")
    print(
        f"server RSS: {before_mb:.0f} MB before, peak {peak_mb:.0f} MB, "
        f"{after_mb:.0f} MB after; database {before_db:.1f} MB -> {after_db:.1f} MB"
    )


def report(
    answers: list[tuple[int, float]],
    args: argparse.Namespace,
    groups: int,
    done: tuple[int, int, int, float],
    pages: list[float],
) -> None:
    """Print the answers, the recording and the pages, each against its target."""
    ok = sum(status == 200 for status, _ in answers)
    ms = sorted(latency * 1000 for _, latency in answers)
    p99 = statistics.quantiles(ms, n=100)[98]
    print(f"{len(answers)} notifications over {args.seconds:.0f} s, {groups} groups")
    print(f"answered 200: {ok} of {len(answers)}{mark(missed=ok != len(answers))}")
    print(
        f"answer latency: median {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, "
        f"max {ms[-1]:.1f} ms (target p99 < {TARGET_P99_S * 1000:.0f} ms)"
        f"{mark(missed=p99 >= TARGET_P99_S * 1000)}"
    )
    figure("alert storm: answer p99", p99, "ms", "<=", TARGET_P99_S * 1000)
    recorded, own, waiting, drain_s = done
    print(
        f"groups recorded: {recorded} of {groups} ({own} incidents of their own, the rest "
        f"joined), {waiting} left in the outbox, {drain_s:.1f} s after the last was sent"
        f"{mark(missed=recorded != groups)}"
    )
    if pages:
        median = statistics.median(pages)
        print(
            f"first page of a new incident: {len(pages)} paged, median {median:.2f} s, "
            f"max {max(pages):.2f} s (target median < {TARGET_PAGE_S:.0f} s)"
            f"{mark(missed=median >= TARGET_PAGE_S)}"
        )
        figure("alert storm: first page, median", median, "s", "<=", TARGET_PAGE_S)
    else:
        print(f"first page of a new incident: none paged{mark(missed=True)}")


if __name__ == "__main__":
    main()
