import pytest

from bot.settings import load_settings
from bot.web.exposure import exposure_problem, unguarded
from topology.errors import SettingsError

GUARDED = {
    "otlp_tokens": "otlp-token-0123456789",
    "metrics_tokens": "metrics-token-0123456789",
    "web_trusted_proxies": "10.0.0.7",
}
SIGN_IN_WITH_SLACK = {
    "oidc_issuer": "https://slack.com",
    "oidc_client_id": "1234.5678",
    "oidc_client_secret": "client-secret",
    "web_session_secret": "s" * 32,
    "web_slack_workspace": "T0SHOP",
}


def test_on_loopback_nothing_needs_guarding():
    settings = load_settings()
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        assert exposure_problem(settings, host) == ""


def test_beyond_loopback_every_unguarded_surface_is_named_with_its_settings():
    problem = exposure_problem(load_settings(), "0.0.0.0")  # noqa: S104 - the address is the subject

    assert "will not listen on 0.0.0.0" in problem
    for named in (
        "SVCMAP_OIDC_ISSUER",
        "SVCMAP_WEB_TRUSTED_PROXIES",
        "SVCMAP_OTLP_TOKENS",
        "SVCMAP_METRICS_TOKENS",
        "SVCMAP_WEB_AUTH=none",
    ):
        assert named in problem


def test_one_surface_left_open_is_enough_to_refuse():
    settings = load_settings(**{**GUARDED, "metrics_tokens": ""})
    assert unguarded(settings) == ["/metrics (SVCMAP_METRICS_TOKENS)"]
    assert exposure_problem(settings, "10.0.0.5") != ""


def test_every_surface_guarded_listens_anywhere():
    assert exposure_problem(load_settings(**GUARDED), "0.0.0.0") == ""  # noqa: S104 - the address is the subject
    with_slack = {**GUARDED, "web_trusted_proxies": "", **SIGN_IN_WITH_SLACK}
    assert exposure_problem(load_settings(**with_slack), "::") == ""


def test_web_auth_none_says_in_so_many_words_to_serve_open():
    assert exposure_problem(load_settings(web_auth="none"), "0.0.0.0") == ""  # noqa: S104 - the address is the subject


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"web_auth": "none", "web_trusted_proxies": "10.0.0.7"}, "SVCMAP_WEB_AUTH=none"),
        ({"web_auth": "oidc"}, "SVCMAP_OIDC_ISSUER"),
        ({"web_auth": "proxy"}, "SVCMAP_WEB_TRUSTED_PROXIES"),
        ({**SIGN_IN_WITH_SLACK, "oidc_client_secret": ""}, "SVCMAP_OIDC_CLIENT_SECRET"),
        ({**SIGN_IN_WITH_SLACK, "web_session_secret": "short"}, "SVCMAP_WEB_SESSION_SECRET"),
        ({**SIGN_IN_WITH_SLACK, "web_slack_workspace": ""}, "SVCMAP_WEB_SLACK_WORKSPACE"),
        (
            {**SIGN_IN_WITH_SLACK, "oidc_issuer": "https://id.example", "web_slack_workspace": ""},
            "SVCMAP_WEB_ALLOWED_EMAILS",
        ),
        ({**SIGN_IN_WITH_SLACK, "oidc_issuer": "http://id.example"}, "https://"),
        ({"otlp_tokens": "short"}, "SVCMAP_OTLP_TOKENS"),
        ({"metrics_tokens": "has space in it 0123"}, "SVCMAP_METRICS_TOKENS"),
        ({"allowed_hosts": "svcmap.example.com:8080"}, "SVCMAP_ALLOWED_HOSTS"),
        ({"web_trusted_proxies": "10.0.0.0/33"}, "SVCMAP_WEB_TRUSTED_PROXIES"),
        ({"web_allowed_emails": "alice"}, "SVCMAP_WEB_ALLOWED_EMAILS"),
        ({"web_proxy_user_header": "X User"}, "SVCMAP_WEB_PROXY_USER_HEADER"),
        ({"web_slack_workspace": "shop"}, "SVCMAP_WEB_SLACK_WORKSPACE"),
        ({"web_auth": "maybe"}, "SVCMAP_WEB_AUTH"),
    ],
)
def test_an_incomplete_or_bad_authentication_setting_is_named(overrides, named):
    with pytest.raises(SettingsError, match=named.replace("+", r"\+")):
        load_settings(**overrides)


def test_a_bad_token_is_never_repeated_in_the_error():
    with pytest.raises(SettingsError) as raised:
        load_settings(otlp_tokens="good-token-0123456789,bad token")
    assert "good-token" not in str(raised.value)
    assert "bad token" not in str(raised.value)


def test_tokens_hosts_and_proxies_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SVCMAP_OTLP_TOKENS", " new-token-0123456789 , old-token-0123456789 ")
    monkeypatch.setenv("SVCMAP_ALLOWED_HOSTS", "svcmap.example.com, *.corp.example")
    monkeypatch.setenv("SVCMAP_WEB_TRUSTED_PROXIES", "10.0.0.7,fd00::/64")
    settings = load_settings()

    assert [t.get_secret_value() for t in settings.otlp_tokens] == [
        "new-token-0123456789",
        "old-token-0123456789",
    ]
    assert settings.allowed_hosts == ("svcmap.example.com", "*.corp.example")
    assert settings.web_trusted_proxies == ("10.0.0.7/32", "fd00::/64")
    assert "new-token" not in repr(settings)
