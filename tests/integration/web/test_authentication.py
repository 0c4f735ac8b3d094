"""Every HTTP surface but health, Slack's and the webhook's asks who is there, over the real app."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.bootstrap import build_app
from bot.settings import load_settings
from bot.web.app import create_app
from tests.conftest import REPO
from tests.integration.web.conftest import NOW, TestClient
from tests.otlp_exports import as_json, frontend_calls_cart
from tests.web_csrf import csrf_of, token_in

OTLP_TOKEN = "otlp-token-0123456789abcdef"
METRICS_TOKEN = "metrics-token-0123456789abcdef"
GUARDED = {
    "otlp_tokens": f"{OTLP_TOKEN},older-otlp-token-0123456789",
    "metrics_tokens": METRICS_TOKEN,
    "oidc_issuer": "https://slack.com",
    "oidc_client_id": "1234.5678",
    "oidc_client_secret": "client-secret",
    "web_session_secret": "s" * 32,
    "web_slack_workspace": "T0SHOP",
    "alert_token": "alert-token-0123456789",
}
PROXIED = {"web_trusted_proxies": "10.0.0.7", "web_allowed_emails": "@shop.example"}
JSON = {"Content-Type": "application/json"}
Make = Callable[..., TestClient]


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Make]:
    """A client of the app built with these settings, from `peer`, not following redirects."""
    opened = []

    def client(peer: str = "127.0.0.1", **overrides: object) -> TestClient:
        settings = load_settings(database_url=f"sqlite:///{tmp_path / 'svcmap.db'}", **overrides)
        app = build_app(settings, clock=lambda: float(NOW))
        made = TestClient(
            create_app(app),
            base_url="http://127.0.0.1",
            client=(peer, 40000),
            follow_redirects=False,
        )
        opened.append((app, made))
        return made

    yield client
    for app, made in opened:
        made.close()
        app.close()


def spans() -> bytes:
    return as_json(frontend_calls_cart(start_ns=NOW * 1_000_000_000))


def test_a_dns_rebinding_request_is_refused_and_the_same_by_a_loopback_name_answered(make):
    client = make()

    rebound = client.get("/api/map", headers={"Host": "evil.example:8080"})
    page = client.get("/", headers={"Host": "evil.example"})

    assert rebound.status_code == 400
    assert "SVCMAP_ALLOWED_HOSTS" in rebound.json()["error"]
    assert page.status_code == 400
    assert "csrf" not in page.text
    assert client.get("/api/map", headers={"Host": "localhost:8080"}).status_code == 200


def test_a_configured_host_name_is_answered(make):
    client = make(allowed_hosts="svcmap.example.com")
    assert client.get("/api/map", headers={"Host": "svcmap.example.com"}).status_code == 200


def test_health_answers_a_probe_by_the_pods_address(make):
    client = make(**GUARDED)
    for path in ("/livez", "/readyz", "/healthz"):
        assert client.get(path, headers={"Host": "10.1.2.3:8080"}).status_code == 200


def test_the_map_metrics_and_traces_are_refused_without_credentials(make):
    client = make(**GUARDED)

    api = client.get("/api/map")
    page = client.get("/", params={"focus": "cart"})
    metrics = client.get("/metrics")
    traces = client.post("/v1/traces", content=spans(), headers=JSON)
    logs = client.post("/v1/logs", content=b"{}", headers=JSON)
    incidents = client.get("/api/incidents")

    assert (api.status_code, incidents.status_code) == (401, 401)
    assert "sign in" in api.json()["error"]
    assert page.status_code == 303
    assert page.headers["location"] == "/auth/signin?next=/%3Ffocus%3Dcart"
    assert (metrics.status_code, traces.status_code, logs.status_code) == (401, 401, 401)
    assert metrics.headers["www-authenticate"] == 'Bearer realm="svcmap-metrics"'
    assert traces.headers["www-authenticate"] == 'Bearer realm="svcmap-otlp"'


def test_traces_and_metrics_are_taken_with_their_tokens_by_any_host_name(make):
    client = make(**GUARDED)
    pod = {"Host": "10.1.2.3:8080"}

    traces = client.post(
        "/v1/traces",
        content=spans(),
        headers={**JSON, **pod, "Authorization": f"Bearer {OTLP_TOKEN}"},
    )
    older = client.post(
        "/v1/traces",
        content=spans(),
        headers={**JSON, "Authorization": "Bearer older-otlp-token-0123456789"},
    )
    scraped = client.get("/metrics", headers={**pod, "Authorization": f"Bearer {METRICS_TOKEN}"})
    crossed = client.get("/metrics", headers={"Authorization": f"Bearer {OTLP_TOKEN}"})

    assert (traces.status_code, older.status_code) == (200, 200)
    assert scraped.status_code == 200
    assert "svcmap_otlp_spans_accepted_total 8.0" in scraped.text
    assert crossed.status_code == 401


def test_the_webhook_keeps_its_own_credential_whatever_the_host(make):
    client = make(**GUARDED)
    headers = {**JSON, "Host": "svcmap:8080"}
    webhook = (
        REPO / "tests/fixtures/api/alertmanager_webhook_v4_firing.CONSTRUCTED.json"
    ).read_bytes()

    refused = client.post("/alerts/alertmanager", content=webhook, headers=headers)
    taken = client.post(
        "/alerts/alertmanager",
        content=webhook,
        headers={**headers, "Authorization": "Bearer alert-token-0123456789"},
    )

    assert refused.status_code == 401
    assert taken.status_code == 200


def test_a_question_posted_without_the_csrf_token_is_refused(make):
    client = make()
    token = csrf_of(client)

    missing = client.post("/api/answer", json={"text": "deps checkout"})
    wrong = client.post(
        "/api/answer", json={"text": "deps checkout"}, headers={"x-csrf-token": token + "x"}
    )
    form = client.post(
        "/api/answer",
        content=b'{"text": "deps checkout"}',
        headers={"Content-Type": "text/plain", "Origin": "http://evil.example"},
    )
    right = client.post(
        "/api/answer", json={"text": "deps checkout"}, headers={"x-csrf-token": token}
    )

    assert (missing.status_code, wrong.status_code, form.status_code) == (403, 403, 403)
    assert "x-csrf-token" in missing.json()["error"]
    assert right.status_code == 200


def test_the_token_of_one_session_does_not_serve_another(make):
    client = make()
    token = csrf_of(client)
    client.cookies.clear()

    assert (
        client.post(
            "/api/answer", json={"text": "deps checkout"}, headers={"x-csrf-token": token}
        ).status_code
        == 403
    )


def test_a_forged_proxy_header_from_a_non_proxy_address_is_ignored(make):
    forged = make(peer="10.0.0.99", **PROXIED)
    headers = {"X-Forwarded-User": "alice", "X-Forwarded-Email": "alice@shop.example"}

    assert forged.get("/api/map", headers=headers).status_code == 401
    assert forged.get("/", headers=headers).status_code == 401  # no sign-in page to go to


def test_the_proxys_user_is_let_in_by_the_allow_rules(make):
    proxy = make(peer="10.0.0.7", **PROXIED)
    alice = {"X-Forwarded-User": "alice", "X-Forwarded-Email": "alice@shop.example"}
    eve = {"X-Forwarded-User": "eve", "X-Forwarded-Email": "eve@evil.example"}

    page = proxy.get("/", headers=alice)
    token = token_in(page.text)
    asked = proxy.post(
        "/api/answer", json={"text": "deps checkout"}, headers={**alice, "x-csrf-token": token}
    )
    refused = proxy.get("/api/map", headers=eve)
    nobody = proxy.get("/api/map")

    assert page.status_code == 200
    assert asked.status_code == 200
    assert refused.status_code == 403
    assert "e-mail" in refused.json()["error"]
    assert nobody.status_code == 401


def test_a_configured_proxy_header_name_is_the_one_read(make):
    proxy = make(
        peer="10.0.0.7",
        web_trusted_proxies="10.0.0.0/24",
        web_proxy_user_header="X-Auth-Request-User",
    )
    assert proxy.get("/api/map", headers={"X-Auth-Request-User": "alice"}).status_code == 200
    assert proxy.get("/api/map", headers={"X-Forwarded-User": "alice"}).status_code == 401


def test_a_forged_or_expired_session_cookie_signs_nobody_in(make):
    client = make(**GUARDED)
    client.cookies.set(
        "svcmap_session", "eyJ1c2VyIjogeyJuYW1lIjogImV2ZSIsICJhdCI6IDF9fQ==.forged.sig"
    )

    assert client.get("/api/map").status_code == 401


def test_sign_in_pages_are_not_served_without_oidc(make):
    assert make().get("/auth/signin").status_code == 404
