"""Pulled traces, pulled edges and imported files are redacted before they are stored."""

from __future__ import annotations

import json
from pathlib import Path

from bot.bootstrap import import_desk, refreshing
from bot.usecases.importing import import_file
from bot.usecases.refresh import refresh_once
from tests.integration.refresh.conftest import NOW
from tests.integration.refresh.test_refresh import edge_calls, vector
from tests.integration.web.test_redacted_names import user_calls


def zipkin_traces(*users: str) -> bytes:
    """Zipkin v2 traces: `web` calling `orders-<user>` once per user."""
    traces = []
    for n, user in enumerate(users):
        trace_id = f"{n + 1:016x}"
        traces.append(
            [
                {
                    "traceId": trace_id,
                    "id": trace_id,
                    "kind": "SERVER",
                    "name": "get",
                    "timestamp": (NOW - 30) * 1_000_000,
                    "duration": 2_000,
                    "localEndpoint": {"serviceName": f"orders-{user}"},
                    "remoteEndpoint": {"serviceName": "web"},
                }
            ]
        )
    return json.dumps(traces).encode()


def test_pulled_traces_are_redacted(make_app, servers):
    zipkin = servers()
    zipkin.json("/api/v2/services", b'["web", "orders-1234567", "orders-7654321"]')
    zipkin.json("/api/v2/traces", zipkin_traces("1234567", "7654321"))
    app = make_app(zipkin_url=zipkin.url)

    (done,) = refresh_once(refreshing(app), holder="test").sources

    assert done.error is None
    assert edge_calls(app) == {("web", "orders-{num}"): 2}


def test_pulled_edges_that_become_one_are_stored_as_one(make_app, servers):
    prometheus = servers()
    edges = [{"client": "frontend", "server": f"user-{n}"} for n in ("1111111", "2222222")]
    answers = [
        vector(*(({**edge, "failed": "false"}, "10") for edge in edges)),
        vector(*((edge, "1") for edge in edges)),
        vector(*(({**edge, "le": "+Inf"}, "10") for edge in edges)),
        vector(*((edge, "0.5") for edge in edges)),
        vector(*((edge, "10") for edge in edges)),
    ]
    prometheus.json_each("/api/v1/query", *(body.encode() for body in answers))
    app = make_app(prometheus_url=prometheus.url)

    (done,) = refresh_once(refreshing(app), holder="test").sources

    assert done.error is None
    assert edge_calls(app) == {("frontend", "user-{num}"): 20}
    (edge,) = app.store.edges()
    assert edge.errors == 2


def test_imported_files_are_redacted(make_app, tmp_path: Path):
    app = make_app()
    traces = tmp_path / "traces.json"
    traces.write_bytes(user_calls("ada@example.org", "1" * 32))

    import_file(import_desk(app), traces)

    assert {node.name for node in app.store.nodes()} == {
        "cart-{email}",
        "profile-{email}",
        "users-{ip}",
    }
