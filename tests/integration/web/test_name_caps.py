"""`POST /v1/traces` under the caps on new names: known names pass, a flood of new ones does not."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.bootstrap import App, build_app
from bot.cli.refreshing import statuses_now
from bot.settings import load_settings
from bot.web.app import create_app
from tests.integration.refresh.conftest import Clock
from tests.integration.web.conftest import NOW, TestClient
from tests.otlp_exports import SERVER, START_NS, OtlpSpanSpec, as_json, frontend_calls_cart
from topology.cardinality import RATE, SERVICES

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def capped(tmp_path: Path) -> Iterator[Callable[..., tuple[App, TestClient, Clock]]]:
    """An app over a fresh SQLite file with the caps given, its client and its clock."""
    opened: list[tuple[App, TestClient]] = []

    def make(**caps: object) -> tuple[App, TestClient, Clock]:
        settings = load_settings(database_url=f"sqlite:///{tmp_path / 'svcmap.db'}", **caps)
        clock = Clock()
        app = build_app(settings, clock=clock)
        client = TestClient(create_app(app), base_url="http://127.0.0.1")
        opened.append((app, client))
        return app, client, clock

    yield make
    for app, client in opened:
        client.close()
        app.close()


def served_by(names: list[str], *, start_ns: int = START_NS) -> bytes:
    """An export of one server span for each name, each of a trace of its own."""
    return as_json(
        {
            name: [
                OtlpSpanSpec(
                    "c000000000000001",
                    kind=SERVER,
                    trace_id=hashlib.md5(name.encode()).hexdigest(),  # noqa: S324 - an id
                    start_ns=start_ns,
                )
            ]
            for name in names
        }
    )


def known_and_new(trace_id: str, new: list[str]) -> bytes:
    """frontend calling cart (as stored before), and a served request of each new name."""
    document = json.loads(as_json(frontend_calls_cart(trace_id)))
    document["resourceSpans"] += json.loads(served_by(new))["resourceSpans"]
    return json.dumps(document).encode()


def names(app: App) -> set[str]:
    return {node.name for node in app.store.nodes()}


def frontend_cart_calls(app: App) -> int:
    return sum(e.calls for e in app.store.edges() if (e.parent, e.child) == ("frontend", "cart"))


def metric(client: TestClient, name: str, **labels: str) -> float | None:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(f"{name}{{{wanted}}} "):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_an_export_of_more_new_names_than_the_budget_keeps_the_known_and_counts_the_rest(
    capped, caplog
):
    app, client, _ = capped(new_names_per_minute=5)
    first = client.post("/v1/traces", content=as_json(frontend_calls_cart()), headers=JSON)
    assert first.status_code == 200
    flood = [f"flood-{i:03d}" for i in range(20)]

    with caplog.at_level(logging.WARNING, logger="bot.usecases.name_caps"):
        answer = client.post("/v1/traces", content=known_and_new("6" * 32, flood), headers=JSON)

    assert answer.status_code == 200
    # frontend, cart and redis were let in by the first export, spending 3 of 5
    assert frontend_cart_calls(app) == 2
    assert len(names(app) & set(flood)) == 2
    (refused,) = app.store.refused_names()
    assert (refused.source, refused.reason, refused.names, refused.items) == ("otlp", RATE, 18, 18)
    assert metric(client, "svcmap_names_refused_total", source="otlp", reason=RATE) == 18
    assert metric(client, "svcmap_names_refused_calls_total", source="otlp", reason=RATE) == 18
    (said,) = [r.getMessage() for r in caplog.records if r.name == "bot.usecases.name_caps"]
    assert said == "otlp: refused 18 names and 18 calls over 5 new names a minute"
    (otlp,) = [status for status in statuses_now(app) if status.name == "otlp"]
    assert [item.to_dict() for item in otlp.refused] == [
        {"source": "otlp", "reason": RATE, "names": 18, "calls": 18, "last_at": NOW}
    ]


def test_the_next_minute_lets_more_new_names_in_and_says_so_once(capped, caplog):
    app, client, clock = capped(new_names_per_minute=5)
    flood = [f"flood-{i:03d}" for i in range(20)]
    with caplog.at_level(logging.WARNING, logger="bot.usecases.name_caps"):
        client.post("/v1/traces", content=served_by(flood), headers=JSON)
        client.post("/v1/traces", content=served_by(flood[5:]), headers=JSON)
        assert len(names(app)) == 5
        clock.now += 60
        client.post(
            "/v1/traces", content=served_by(flood[5:], start_ns=START_NS + 60 * 10**9), headers=JSON
        )

    assert names(app) == set(flood[:10])
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.usecases.name_caps"]
    assert lines == [
        "otlp: refused 15 names and 15 calls over 5 new names a minute",
        "otlp: refused 25 names and 25 calls over 5 new names a minute",
    ]
    assert metric(client, "svcmap_names_refused_total", source="otlp", reason=RATE) == 40


def test_a_refused_request_sent_again_once_its_name_is_let_in_counts(capped):
    app, client, clock = capped(new_names_per_minute=1)
    client.post("/v1/traces", content=served_by(["a", "b"]), headers=JSON)
    assert names(app) == {"a"}

    clock.now += 60
    client.post("/v1/traces", content=served_by(["a", "b"]), headers=JSON)

    assert names(app) == {"a", "b"}
    assert sorted((s.service, s.requests) for s in app.store.services()) == [("a", 1), ("b", 1)]


def test_new_services_past_the_cap_of_the_window_are_refused_whatever_the_budget(capped):
    app, client, _ = capped(max_services=3, new_names_per_minute=1000)

    client.post("/v1/traces", content=served_by([f"s{i}" for i in range(10)]), headers=JSON)

    assert names(app) == {"s0", "s1", "s2"}
    (refused,) = app.store.refused_names()
    assert (refused.reason, refused.names) == (SERVICES, 7)


def test_a_huge_name_is_cut_and_many_huge_names_are_refused_without_harm(capped):
    app, client, _ = capped(new_names_per_minute=5)
    huge = [f"{i:04d}-" + "x" * 4_000 for i in range(1_000)]  # 4 MB of names

    answer = client.post("/v1/traces", content=served_by(huge), headers=JSON)

    assert answer.status_code == 200
    stored = names(app)
    assert len(stored) == 5
    assert all(len(name) == 200 for name in stored)
    (refused,) = app.store.refused_names()
    assert (refused.names, refused.items) == (995, 995)


def test_empty_and_blank_names_add_no_node(capped):
    app, client, _ = capped(new_names_per_minute=5)

    answer = client.post("/v1/traces", content=served_by(["", "   ", "ok"]), headers=JSON)

    assert answer.status_code == 200
    assert "" not in names(app)
    assert all(name.strip() for name in names(app))
    assert "ok" in names(app)
