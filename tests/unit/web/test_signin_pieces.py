from hypothesis import given
from hypothesis import strategies as st

from bot.web.csrf import csrf_token, csrf_valid
from bot.web.signin import safe_next, signed_in_name


def test_after_sign_in_a_path_of_this_site_is_followed():
    assert safe_next("/?focus=cart") == "/?focus=cart"
    assert safe_next("/api/map") == "/api/map"


def test_anything_that_could_leave_the_site_goes_home_instead():
    for bad in (
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "evil.example",
        "",
        None,
        12,
        "/" + "x" * 3_000,
        "/\r\nSet-Cookie: x=1",
    ):
        assert safe_next(bad) == "/", bad


@given(st.text(max_size=300))
def test_any_next_is_a_local_path(value):
    target = safe_next(value)
    assert target.startswith("/")
    assert not target.startswith("//")
    assert target.isprintable()


def test_a_session_keeps_one_csrf_token_and_checks_it_in_constant_time():
    session: dict[str, object] = {}
    token = csrf_token(session)

    assert csrf_token(session) == token
    assert len(token) >= 40
    assert csrf_valid(session, token)
    assert not csrf_valid(session, token[:-1])
    assert not csrf_valid(session, "")
    assert not csrf_valid(session, None)
    assert not csrf_valid({}, token)
    assert csrf_token({}) != token


def test_the_signed_in_name_is_read_only_from_a_well_formed_session():
    assert signed_in_name({"user": {"name": "alice@shop.example", "at": 1}}) == "alice@shop.example"
    assert signed_in_name({"user": "alice"}) == ""
    assert signed_in_name({"user": {"name": 5}}) == ""
    assert signed_in_name({}) == ""
