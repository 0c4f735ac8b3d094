import base64

from hypothesis import given
from hypothesis import strategies as st

from bot.settings import load_settings
from bot.settings_fields import SecretStr
from bot.web.auth import authorized, bearer_matches

OLD, NEW = SecretStr("old-token-0123456789"), SecretStr("new-token-9876543210")


def test_any_of_the_tokens_is_taken_during_a_rotation():
    assert bearer_matches("Bearer old-token-0123456789", (NEW, OLD))
    assert bearer_matches("bearer  new-token-9876543210 ", (NEW, OLD))


def test_a_wrong_missing_or_other_scheme_credential_is_refused():
    for header in (
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer new-token-987654321",  # one character short
        "Bearer new-token-98765432100",
        "Basic " + base64.b64encode(b"x:new-token-9876543210").decode(),
        "new-token-9876543210",
    ):
        assert not bearer_matches(header, (NEW, OLD)), header


def test_no_token_configured_takes_nothing():
    assert not bearer_matches("Bearer ", ())
    assert not bearer_matches("Bearer anything-at-all-here", ())


@given(st.text(max_size=200))
def test_a_header_without_the_token_never_opens(header):
    assert not bearer_matches(header.replace(NEW.get_secret_value(), ""), (NEW,))


def test_the_alert_webhook_still_takes_its_bearer_token_and_basic_auth():
    settings = load_settings(
        alert_token="alert-token-0123456789", alert_user="am", alert_password="pw"
    )
    assert authorized("Bearer alert-token-0123456789", settings)
    assert authorized("Basic " + base64.b64encode(b"am:pw").decode(), settings)
    assert not authorized("Basic " + base64.b64encode(b"am:pX").decode(), settings)
