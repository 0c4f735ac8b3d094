"""`svcmap serve` signs people in through an OpenID Connect provider (a fake one on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from joserfc.jwk import RSAKey

from tests.e2e.conftest import free_port
from tests.fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeOidc
from tests.web_csrf import token_in

ALICE = {"sub": "alice-1", "email": "alice@shop.example", "email_verified": True}


@pytest.fixture
def provider() -> Iterator[FakeOidc]:
    with FakeOidc() as fake:
        yield fake


@pytest.fixture
def base(serve, provider) -> str:
    url, _ = serve(
        SVCMAP_OIDC_ISSUER=provider.url,
        SVCMAP_OIDC_CLIENT_ID=CLIENT_ID,
        SVCMAP_OIDC_CLIENT_SECRET=CLIENT_SECRET,
        SVCMAP_WEB_SESSION_SECRET="e2e-session-secret-0123456789abcdef",
        SVCMAP_WEB_ALLOWED_EMAILS="@shop.example",
        SVCMAP_METRICS_TOKENS="metrics-token-0123456789",
    )
    return url


def browser(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, follow_redirects=True, timeout=20)


def test_a_person_signs_in_asks_and_signs_out(base, provider):
    provider.claims = ALICE
    with browser(base) as client:
        before = client.get("/api/map")
        page = client.get("/", params={"focus": "cart"})
        token = token_in(page.text)
        mapped = client.get("/api/map")
        asked = client.post(
            "/api/answer", json={"text": "deps cart"}, headers={"x-csrf-token": token}
        )
        unsigned = client.post("/api/answer", json={"text": "deps cart"})
        signed_out = client.post("/auth/signout", headers={"x-csrf-token": token})
        after = client.get("/api/map")

    assert before.status_code == 401
    assert page.status_code == 200
    assert str(page.url) == f"{base}/?focus=cart"  # back where the person was going
    assert "alice@shop.example" in page.text
    assert [r.status_code for r in page.history] == [303, 302, 302, 303]
    assert mapped.status_code == 200
    assert asked.status_code == 200
    assert unsigned.status_code == 403
    assert signed_out.status_code == 200
    assert after.status_code == 401
    assert provider.token_requests[0]["redirect_uri"] == f"{base}/auth/callback"


def sign_in(base: str) -> tuple[httpx.Response, int]:
    """Where going to the page ends, and what the API answers after it."""
    with browser(base) as client:
        landed = client.get("/")
        return landed, client.get("/api/map").status_code


def test_someone_the_rules_do_not_allow_is_not_let_in(base, provider):
    provider.claims = {"sub": "eve", "email": "eve@evil.example", "email_verified": True}
    refused, after = sign_in(base)

    assert refused.status_code == 403
    assert "e-mail addresses it allows" in refused.text
    assert after == 401


def test_an_unverified_address_of_an_allowed_domain_is_not_let_in(base, provider):
    provider.claims = {**ALICE, "email_verified": False}
    refused, after = sign_in(base)
    assert (refused.status_code, after) == (403, 401)


def test_an_id_token_signed_by_another_key_or_for_another_client_is_refused(base, provider):
    provider.claims = ALICE
    provider.signing_key = RSAKey.generate_key(2048, parameters={"kid": "signing-key"})
    forged, after_forged = sign_in(base)
    provider.signing_key = provider.key
    provider.audience = "someone-else"
    misaddressed, after_misaddressed = sign_in(base)
    provider.audience = CLIENT_ID
    genuine, after_genuine = sign_in(base)

    assert (forged.status_code, after_forged) == (400, 401)
    assert "did not work out" in forged.text
    assert (misaddressed.status_code, after_misaddressed) == (400, 401)
    assert (genuine.status_code, after_genuine) == (200, 200)


def test_a_callback_with_a_state_this_browser_never_got_is_refused(base, provider):
    provider.claims = ALICE
    with browser(base) as client:
        forged = client.get("/auth/callback", params={"code": "stolen", "state": "forged"})
        assert forged.status_code == 400
        assert client.get("/api/map").status_code == 401


def test_after_sign_in_only_a_path_of_this_site_is_followed(base, provider):
    provider.claims = ALICE
    with browser(base) as client:
        landed = client.get("/auth/signin", params={"next": "//evil.example/x"})
    assert str(landed.url) == f"{base}/"


def test_an_issuer_that_does_not_answer_is_said_and_nothing_crashes(serve):
    gone = f"http://127.0.0.1:{free_port()}"
    url, _ = serve(
        SVCMAP_OIDC_ISSUER=gone,
        SVCMAP_OIDC_CLIENT_ID=CLIENT_ID,
        SVCMAP_OIDC_CLIENT_SECRET=CLIENT_SECRET,
        SVCMAP_WEB_SESSION_SECRET="e2e-session-secret-0123456789abcdef",
        SVCMAP_WEB_ALLOWED_EMAILS="@shop.example",
    )
    with browser(url) as client:
        answer = client.get("/")
        assert answer.status_code == 502
        assert "does not answer" in answer.text
        assert client.get("/livez").status_code == 200


def test_serve_refuses_to_listen_beyond_loopback_with_nothing_guarded(svcmap):
    refused = svcmap("serve", "--host", "0.0.0.0", "--port", str(free_port()))  # noqa: S104 - the address is the subject

    assert refused.code == 2
    for named in (
        "SVCMAP_OTLP_TOKENS",
        "SVCMAP_METRICS_TOKENS",
        "SVCMAP_OIDC_ISSUER",
        "SVCMAP_WEB_AUTH=none",
    ):
        assert named in refused.err
