from bot.settings import load_settings
from bot.settings_fields import SecretStr
from bot.web.admission import Rules, networks
from bot.web.guard import Asked, Protection, Surface, decide, protection, signed_in, surface_of
from bot.web.hosts import allowed_hosts

NOW = 1_700_000_000.0
OTLP = (SecretStr("otlp-token-0123456789"),)
METRICS = (SecretStr("metrics-token-0123456789"),)
OPEN = Protection(hosts=allowed_hosts((), "127.0.0.1"))
SIGNIN = Protection(hosts=OPEN.hosts, signin=True, otlp_tokens=OTLP, metrics_tokens=METRICS)
PROXY = Protection(
    hosts=OPEN.hosts,
    proxies=networks(("10.0.0.7",)),
    rules=Rules(emails=frozenset({"@shop.example"})),
)
SESSION = {"user": {"name": "alice", "at": NOW - 60}, "csrf": "the-token"}


def ask(path: str, **given: object) -> Asked:
    return Asked(path=path, **{"host": "127.0.0.1:8080", "now": NOW, **given})  # type: ignore[arg-type]


def test_paths_are_sorted_into_surfaces():
    assert surface_of("/healthz") is Surface.HEALTH
    assert surface_of("/slack/events") is Surface.OWN_CHECK
    assert surface_of("/alerts/alertmanager") is Surface.OWN_CHECK
    assert surface_of("/demo/state") is Surface.OWN_CHECK
    assert surface_of("/v1/logs") is Surface.OTLP
    assert surface_of("/metrics") is Surface.METRICS
    assert surface_of("/auth/callback") is Surface.SIGNIN
    assert surface_of("/api/map") is Surface.VIEW
    assert surface_of("/v1/traces/../api/map") is Surface.VIEW
    assert surface_of("/anything") is Surface.VIEW


def test_health_answers_a_probe_by_the_pods_address_and_no_credential():
    for path in ("/livez", "/readyz", "/healthz"):
        assert decide(ask(path, host="10.1.2.3:8080"), SIGNIN) is None


def test_a_rebinding_host_is_refused_everywhere_no_token_guards():
    refused = decide(ask("/api/map", host="evil.example:8080"), OPEN)
    assert refused is not None
    assert refused.status == 400
    assert decide(ask("/metrics", host="evil.example"), OPEN) is not None
    assert decide(ask("/v1/traces", method="POST", host="evil.example"), OPEN) is not None


def test_otlp_and_metrics_take_their_own_tokens_only_whatever_the_host():
    otlp = ask(
        "/v1/traces",
        method="POST",
        host="10.1.2.3:8080",
        authorization="Bearer otlp-token-0123456789",
    )
    swapped = ask("/v1/traces", method="POST", authorization="Bearer metrics-token-0123456789")
    scrape = ask("/metrics", host="10.1.2.3:8080", authorization="Bearer metrics-token-0123456789")
    missing = decide(ask("/v1/metrics", method="POST"), SIGNIN)

    assert decide(otlp, SIGNIN) is None
    assert decide(scrape, SIGNIN) is None
    assert decide(swapped, SIGNIN) is not None
    assert missing is not None
    assert (missing.status, missing.challenge) == (401, 'Bearer realm="svcmap-otlp"')


def test_without_sign_in_configured_the_view_is_open_on_loopback():
    assert decide(ask("/api/map"), OPEN) is None


def test_a_browser_not_signed_in_is_sent_to_sign_in_and_the_api_gets_401():
    page = decide(ask("/", query="focus=cart"), SIGNIN)
    api = decide(ask("/api/map"), SIGNIN)

    assert page is not None
    assert (page.status, page.location) == (303, "/auth/signin?next=/%3Ffocus%3Dcart")
    assert api is not None
    assert (api.status, api.location) == (401, "")


def test_a_signed_in_session_is_let_in_until_it_is_too_old():
    assert decide(ask("/api/map", session=SESSION), SIGNIN) is None
    old = {"user": {"name": "alice", "at": NOW - 13 * 3600}}
    assert decide(ask("/api/map", session=old), SIGNIN) is not None
    future = {"user": {"name": "alice", "at": NOW + 3600}}
    assert not signed_in(future, NOW, 3600)
    assert not signed_in({"user": "alice"}, NOW, 3600)


def test_a_post_of_the_view_needs_the_sessions_csrf_token():
    def post(token: str | None, session: dict[str, object] = SESSION) -> Asked:
        headers = {"x-csrf-token": token} if token is not None else {}
        return ask("/api/answer", method="POST", session=session, headers=headers)

    assert decide(post("the-token"), SIGNIN) is None
    assert decide(post("the-token"), OPEN) is None
    for refused in (post(None), post(""), post("other"), post("the-token", session={})):
        answer = decide(refused, OPEN)
        assert answer is not None
        assert answer.status == 403
    signout = ask("/auth/signout", method="POST", session=SESSION)
    assert decide(signout, SIGNIN) is not None


def test_the_proxys_user_header_counts_only_from_the_proxy():
    headers = {"x-forwarded-user": "alice", "x-forwarded-email": "alice@shop.example"}
    through_proxy = ask("/api/map", client="10.0.0.7", headers=headers)
    forged = ask("/api/map", client="10.0.0.99", headers=headers)
    stranger = ask(
        "/api/map", client="10.0.0.7", headers={**headers, "x-forwarded-email": "eve@evil.example"}
    )

    assert decide(through_proxy, PROXY) is None
    forged_answer = decide(forged, PROXY)
    assert forged_answer is not None
    assert forged_answer.status == 401
    stranger_answer = decide(stranger, PROXY)
    assert stranger_answer is not None
    assert stranger_answer.status == 403


def test_the_settings_make_the_protection():
    settings = load_settings(
        allowed_hosts="svcmap.example.com",
        otlp_tokens="otlp-token-0123456789",
        web_trusted_proxies="10.0.0.7",
        web_proxy_user_header="X-Auth-Request-User",
    )
    made = protection(settings, "0.0.0.0")  # noqa: S104 - the address is the subject

    assert made.hosts == allowed_hosts(("svcmap.example.com",), "")
    assert made.otlp_tokens == OTLP
    assert made.user_header == "x-auth-request-user"
    assert made.view_guarded
    assert not made.signin
