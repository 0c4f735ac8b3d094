"""What the OTLP receiver takes in is redacted before it is stored: spans, logs and metrics."""

from __future__ import annotations

from bot.bootstrap import App
from tests.integration.web.conftest import TestClient
from tests.integration.web.test_otlp_signals import (
    PROTOBUF,
    T0,
    logs_request,
    metrics_request,
)
from tests.otlp_exports import CLIENT, SERVER, OtlpSpanSpec, as_json

JSON = {"Content-Type": "application/json"}


def user_calls(user: str, trace_id: str) -> bytes:
    """A trace of `cart-<user>` calling `profile-<user>`, which queries a database by host."""
    return as_json(
        {
            f"cart-{user}": [OtlpSpanSpec("a000000000000001", kind=CLIENT, trace_id=trace_id)],
            f"profile-{user}": [
                OtlpSpanSpec(
                    "b000000000000001", "a000000000000001", kind=SERVER, trace_id=trace_id
                ),
                OtlpSpanSpec(
                    "b000000000000002",
                    "b000000000000001",
                    kind=CLIENT,
                    trace_id=trace_id,
                    attributes={"db.system": "postgresql", "db.name": "users-10.1.2.3"},
                ),
            ],
        }
    )


def names(app: App) -> set[str]:
    return {node.name for node in app.store.nodes()}


def test_pushed_spans_naming_users_and_hosts_make_one_node_each(web: tuple[App, TestClient]):
    app, client = web
    for n, user in enumerate(["1234567", "7654321", "5550001"]):
        answer = client.post("/v1/traces", content=user_calls(user, f"{n + 1:032x}"), headers=JSON)
        assert answer.status_code == 200, answer.text

    assert names(app) == {"cart-{num}", "profile-{num}", "users-{ip}"}
    calls = {(e.parent, e.child): e.calls for e in app.store.edges()}
    assert calls[("cart-{num}", "profile-{num}")] == 3


def test_without_the_default_rules_names_are_stored_as_sent(make_client):
    app, client = make_client(redact_defaults=False)

    client.post("/v1/traces", content=user_calls("1234567", "1" * 32), headers=JSON)

    assert names(app) == {"cart-1234567", "profile-1234567", "users-10.1.2.3"}


def test_extra_rules_from_the_settings_apply_to_pushed_spans(make_client):
    app, client = make_client(redact_rules='{"^profile-.*": "profile-{user}"}')

    client.post("/v1/traces", content=user_calls("1234567", "1" * 32), headers=JSON)

    assert names(app) == {"cart-{num}", "profile-{user}", "users-{ip}"}


def test_logs_and_metrics_count_under_the_redacted_service(web: tuple[App, TestClient]):
    app, client = web
    for user in ("1234567", "7654321"):
        service = f"batch-{user}"
        logs = logs_request(f"job {user} started", service=service).SerializeToString()
        metrics = metrics_request(service=service).SerializeToString()
        assert client.post("/v1/logs", content=logs, headers=PROTOBUF).status_code == 200
        assert client.post("/v1/metrics", content=metrics, headers=PROTOBUF).status_code == 200

    logged = app.store.log_series(None, T0, T0)
    assert set(logged) == {"batch-{num}"}
    assert logged["batch-{num}"].metrics["level:INFO"] == (2,)
    assert set(app.store.metric_series(None, T0, T0)) == {"batch-{num}"}


def test_a_redacted_name_is_drawn_and_answered_as_text(web: tuple[App, TestClient]):
    _, client = web
    client.post("/v1/traces", content=user_calls("1234567", "1" * 32), headers=JSON)

    drawn = client.get("/api/map", params={"focus": "cart-{num}", "at": "1700000070"})
    answered = client.post("/api/answer", json={"text": "deps cart-{num} --at 1700000070"})

    assert drawn.status_code == 200, drawn.text
    assert set(drawn.json()["nodes"].values()) == {"cart-{num}", "profile-{num}", "users-{ip}"}
    assert "cart&#45;{num}</text>" in drawn.json()["svg"]  # Graphviz writes - as &#45;
    assert answered.status_code == 200, answered.text
    assert "profile-{num}" in answered.json()["html"]
