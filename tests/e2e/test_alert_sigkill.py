"""`svcmap serve` killed outright (SIGKILL) in the middle of an alert handles it exactly once.

A real server on a real store, paging a fake PagerDuty on 127.0.0.1, is killed at one of
four moments: while PagerDuty holds the trigger and has not answered; after PagerDuty
answered 202 while the store would not take the outcome; (Postgres, where one table
can be locked) while the alert worker is recording the incident; and with the
incident's snapshot not saved yet. A new server started then records the incident once
and pages once: a trigger PagerDuty accepted is not sent again; one whose answer never
came is sent again with the same dedup_key (PagerDuty folds it into the alert the first
opened), at once, not after the 5-minute claim; the resolve that follows goes out at
once; and the snapshot is made and saved. A server stopped (SIGTERM) while a
notification is being worked releases it, so the next takes it at once, not a lease later.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from bot.adapters.paging.journal import Step, journal_dir, open_sends
from tests.e2e.conftest import SVCMAP, start_serve
from tests.e2e.test_alertmanager import zipkin_traffic
from tests.fake_pagerduty import FakePagerDuty, Reply
from tests.integration.alerts.conftest import webhook
from tests.integration.conftest import database_url  # noqa: F401 - SQLite and Postgres

TOKEN = "sigkill-token"
WEB_KEY = "W" * 32
CATALOG = f"""
teams:
  web: {{slack_channel: "#web", pagerduty_routing_key: "{WEB_KEY}"}}
services: {{checkout: web}}
"""
BEARER = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
LEASE_S = 10
SOON_S = 60.0
"""Well inside the 5 minutes a dead sender's claim holds a page."""


@pytest.fixture
def pagerduty() -> Iterator[FakePagerDuty]:
    with FakePagerDuty() as fake:
        yield fake


@pytest.fixture
def environment(
    database_url: str,  # noqa: F811 - the fixture
    tmp_path: Path,
    pagerduty: FakePagerDuty,
) -> dict[str, str]:
    catalog = tmp_path / "owners.yaml"
    catalog.write_text(CATALOG)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVCMAP_")}
    env.pop("XDG_DATA_HOME", None)
    env.update(
        HOME=str(tmp_path),
        SVCMAP_DATABASE_URL=database_url,
        SVCMAP_CATALOG_FILE=str(catalog),
        SVCMAP_PAGING_MODE="on",
        SVCMAP_RESOLVE_HOLD="0",  # resolves sent at once: no flap to wait for
        SVCMAP_PAGERDUTY_EVENTS_URL=pagerduty.url,
        SVCMAP_ALERT_TOKEN=TOKEN,
        SVCMAP_ALERT_LEASE=str(LEASE_S),
    )
    return env


@pytest.fixture
def store(environment: dict[str, str]) -> Iterator[Engine]:
    """An engine on the servers' database, for the test's own reads and writes."""
    engine = create_engine(environment["SVCMAP_DATABASE_URL"])
    yield engine
    engine.dispose()


@pytest.fixture
def servers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        process.kill()
        process.wait()


def serve(env: dict[str, str], tmp_path: Path, servers: list[subprocess.Popen[bytes]]) -> str:
    process, base = start_serve(env, tmp_path)
    servers.append(process)
    return base


def kill(servers: list[subprocess.Popen[bytes]]) -> None:
    process = servers.pop()
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def alert(base: str, status: str = "firing") -> None:
    body = webhook("checkout", status=status)
    answer = httpx.post(f"{base}/alerts/alertmanager", content=body, headers=BEARER, timeout=30)
    assert answer.status_code == 200, answer.text


def svcmap_json(env: dict[str, str], tmp_path: Path, *args: str) -> object:
    done = subprocess.run(
        [str(SVCMAP), *args, "--json"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def page_states(env: dict[str, str], tmp_path: Path) -> list[tuple[str, str]]:
    found = svcmap_json(env, tmp_path, "pages")
    assert isinstance(found, dict)
    return sorted((row["kind"], row["state"]) for row in found["pages"])


def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout_s:.0f} s: {what}")
        time.sleep(0.2)


def journaled(env: dict[str, str], step: Step) -> bool:
    """Whether the server's page journal holds a send at `step`."""
    directory = journal_dir(
        env["SVCMAP_DATABASE_URL"], data_home=Path(env["HOME"]) / ".local/share"
    )
    assert directory is not None
    return any(
        entry.step is step
        for path in directory.glob("*.jsonl")
        for entry in open_sends(path.read_bytes().splitlines(keepends=True))
    )


def hold_writes(url: str, table: str, stack: ExitStack) -> Callable[[], None]:
    """A function that stops writes to `table` (SQLite: to the whole file) until `stack` closes."""

    def hold() -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            connection = sqlite3.connect(str(parsed.database), check_same_thread=False)
            connection.isolation_level = None
            connection.execute("BEGIN IMMEDIATE")
            stack.callback(connection.close)
            stack.callback(connection.rollback)
            return
        engine = create_engine(url)
        stack.callback(engine.dispose)
        connection = stack.enter_context(engine.connect())
        stack.enter_context(connection.begin())
        connection.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))

    return hold


def resolve_and_check(
    env: dict[str, str], tmp_path: Path, base: str, pagerduty: FakePagerDuty, triggers: int
) -> None:
    """After the restart: paged, then resolved at once; one incident, one PagerDuty alert."""
    wait_until(
        lambda: ("trigger", "sent") in page_states(env, tmp_path), SOON_S, "the trigger recorded"
    )
    alert(base, "resolved")
    events = pagerduty.wait_for(triggers + 1, timeout_s=SOON_S)

    assert [e["event_action"] for e in events] == ["trigger"] * triggers + ["resolve"]
    assert len({e["dedup_key"] for e in events}) == 1
    assert page_states(env, tmp_path) == [("resolve", "sent"), ("trigger", "sent")]
    incidents = svcmap_json(env, tmp_path, "incidents")
    assert isinstance(incidents, list)
    assert [(i["symptom"], i["alerts"], i["status"]) for i in incidents] == [
        ("checkout", 1, "resolved")
    ]


def test_killed_while_pagerduty_holds_the_trigger_it_is_sent_again_at_once_and_folded(
    environment, tmp_path, servers, pagerduty
):
    pagerduty.reply(Reply(delay_s=120))  # takes the event, answers long after the kill
    alert(serve(environment, tmp_path, servers))
    pagerduty.wait_for(1, timeout_s=SOON_S)
    wait_until(lambda: journaled(environment, Step.SENDING), SOON_S, "the send journaled")
    kill(servers)

    base = serve(environment, tmp_path, servers)

    # Twice the same dedup_key: PagerDuty keeps one alert, and the person is paged once.
    resolve_and_check(environment, tmp_path, base, pagerduty, triggers=2)


def test_killed_after_pagerduty_accepted_the_trigger_it_is_recorded_and_not_sent_again(
    environment, tmp_path, servers, pagerduty
):
    with ExitStack() as held:
        lock = hold_writes(environment["SVCMAP_DATABASE_URL"], "pages", held)
        pagerduty.reply(Reply(before=lock))  # the store takes no outcome after the 202
        alert(serve(environment, tmp_path, servers))
        wait_until(lambda: journaled(environment, Step.ACCEPTED), SOON_S, "the 202 journaled")
        kill(servers)
    assert page_states(environment, tmp_path) == [("trigger", "pending")]

    base = serve(environment, tmp_path, servers)

    resolve_and_check(environment, tmp_path, base, pagerduty, triggers=1)


def test_killed_while_the_worker_records_the_incident_it_is_recorded_once_by_the_next(
    environment, tmp_path, servers, pagerduty, store
):
    url = environment["SVCMAP_DATABASE_URL"]
    if make_url(url).get_backend_name() == "sqlite":
        pytest.skip("SQLite cannot lock one table while the outbox is written")
    engine = store
    base = serve(environment, tmp_path, servers)
    with ExitStack() as held:
        hold_writes(url, "incidents", held)()
        alert(base)
        claimed = text("SELECT count(*) FROM alert_outbox WHERE claimed_by IS NOT NULL")

        def worked() -> bool:
            with engine.connect() as connection:
                return bool(connection.execute(claimed).scalar())

        wait_until(worked, SOON_S, "the notification claimed")
        time.sleep(0.5)  # the worker is now waiting to write the incident
        kill(servers)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM incidents")).scalar() == 0

    base = serve(environment, tmp_path, servers)  # takes the notification once its lease passed

    resolve_and_check(environment, tmp_path, base, pagerduty, triggers=1)


SNAPSHOT_HELD = {
    # SQLite cannot wait in a trigger: the save fails, and the snapshot is lost all the same.
    "sqlite": [
        "CREATE TRIGGER hold_snapshot BEFORE UPDATE OF snapshot ON incidents "
        "WHEN NEW.snapshot IS NOT NULL BEGIN SELECT RAISE(ABORT, 'snapshot held'); END"
    ],
    # Postgres waits in it until the statement timeout: the server is killed meanwhile.
    "postgresql": [
        "CREATE FUNCTION hold_snapshot() RETURNS trigger AS "
        "$$ BEGIN PERFORM pg_sleep(600); RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER hold_snapshot BEFORE UPDATE OF snapshot ON incidents FOR EACH ROW "
        "WHEN (NEW.snapshot IS NOT NULL) EXECUTE FUNCTION hold_snapshot()",
    ],
}


def test_killed_with_the_snapshot_unsaved_the_next_server_makes_and_saves_it(
    environment, tmp_path, servers, pagerduty, store
):
    traffic = tmp_path / "traffic.json"
    traffic.write_text(json.dumps(zipkin_traffic(int(time.time()))))
    subprocess.run(
        [str(SVCMAP), "import", str(traffic)],
        env=environment, cwd=tmp_path, capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    base = serve(environment, tmp_path, servers)
    engine = store
    with engine.begin() as connection:
        for statement in SNAPSHOT_HELD[engine.dialect.name]:
            connection.execute(text(statement))

    def incidents() -> list[tuple[str | None, bool]]:
        found = svcmap_json(environment, tmp_path, "incidents")
        assert isinstance(found, list)
        return [(i["symptom"], i["snapshot"]) for i in found]

    alert(base)
    pagerduty.wait_for(1, timeout_s=SOON_S)
    time.sleep(2)  # the saver is at the snapshot now, held
    kill(servers)
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER hold_snapshot ON incidents")
                           if engine.dialect.name == "postgresql"
                           else text("DROP TRIGGER hold_snapshot"))  # fmt: skip
    assert incidents() == [("checkout", False)]

    serve(environment, tmp_path, servers)

    wait_until(lambda: incidents() == [("checkout", True)], LEASE_S + 90, "the snapshot saved")
    assert [e["event_action"] for e in pagerduty.events] == ["trigger"]


WAITING = 12
HOLD_INCIDENTS = (
    "CREATE TRIGGER hold_incidents BEFORE INSERT ON incidents "
    "BEGIN SELECT RAISE(ABORT, 'incidents held'); END"
)


def test_notifications_waiting_when_the_server_stops_are_recorded_by_the_next_each_once(
    environment, tmp_path, servers, pagerduty, store
):
    url = environment["SVCMAP_DATABASE_URL"]
    services = [f"svc-{n}" for n in range(WAITING)]
    base = serve(environment, tmp_path, servers)
    engine = store
    sqlite = engine.dialect.name == "sqlite"
    waiting = text("SELECT count(*) FROM alert_outbox")
    with ExitStack() as held:
        if sqlite:  # no table lock: a failing insert keeps them waiting (tried again later)
            with engine.begin() as connection:
                connection.execute(text(HOLD_INCIDENTS))
        else:  # the workers wait to record the first, the others wait in the outbox
            hold_writes(url, "incidents", held)()
        for service in services:
            body = webhook(service)
            answer = httpx.post(
                f"{base}/alerts/alertmanager", content=body, headers=BEARER, timeout=30
            )
            assert answer.status_code == 200
        process = servers.pop()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) is not None
    with engine.begin() as connection:
        assert connection.execute(waiting).scalar() == WAITING
        assert connection.execute(text("SELECT count(*) FROM incidents")).scalar() == 0
        if sqlite:
            connection.execute(text("DROP TRIGGER hold_incidents"))

    serve(environment, tmp_path, servers)

    def all_recorded() -> bool:
        with engine.connect() as connection:
            return connection.execute(waiting).scalar() == 0

    wait_until(all_recorded, LEASE_S + SOON_S, "the waiting notifications recorded")
    found = svcmap_json(environment, tmp_path, "incidents", "--limit", "50")
    assert isinstance(found, list)
    assert sorted((i["symptom"], i["alerts"]) for i in found) == sorted((s, 1) for s in services)


def test_stopped_while_a_notification_is_worked_the_next_server_takes_it_at_once(
    environment, tmp_path, servers, pagerduty, store
):
    url = environment["SVCMAP_DATABASE_URL"]
    if make_url(url).get_backend_name() == "sqlite":
        pytest.skip("SQLite cannot lock one table while the outbox is written")
    environment["SVCMAP_ALERT_LEASE"] = "600"  # a lease the test would not wait out
    engine = store
    claims = text("SELECT claimed_by, attempts FROM alert_outbox")
    base = serve(environment, tmp_path, servers)
    with ExitStack() as held:
        hold_writes(url, "incidents", held)()
        alert(base)

        def worked() -> bool:
            with engine.connect() as connection:
                return any(row.claimed_by for row in connection.execute(claims))

        wait_until(worked, SOON_S, "the notification claimed")
        time.sleep(0.5)  # the worker is now waiting to write the incident
        process = servers.pop()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        with engine.connect() as connection:
            assert [tuple(row) for row in connection.execute(claims)] == [(None, 0)]

    started = time.monotonic()
    base = serve(environment, tmp_path, servers)

    resolve_and_check(environment, tmp_path, base, pagerduty, triggers=1)
    assert time.monotonic() - started < SOON_S  # not the 600 s lease
