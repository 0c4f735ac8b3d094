from hypothesis import given
from hypothesis import strategies as st

from bot.web.hosts import allowed_hosts, host_allowed, is_loopback

LOCAL = allowed_hosts((), "127.0.0.1")


def test_loopback_names_are_allowed_with_or_without_a_port():
    for host in (
        "localhost",
        "localhost:8080",
        "127.0.0.1:8080",
        "[::1]:8080",
        "[::1]",
        "LOCALHOST",
    ):
        assert host_allowed(host, LOCAL), host


def test_a_rebinding_name_is_refused_whatever_its_port():
    for host in ("evil.example", "evil.example:8080", "127.0.0.1.evil.example", "localhost.evil"):
        assert not host_allowed(host, LOCAL), host


def test_a_missing_empty_or_malformed_host_is_refused():
    for host in (None, "", ":8080", "localhost:http", "[::1", "[::1]x", "[::1]:", "a b"):
        assert not host_allowed(host, LOCAL), host


def test_the_configured_names_and_the_listening_address_are_allowed():
    allowed = allowed_hosts(("svcmap.example.com", "*.corp.example"), "10.0.0.5")

    assert host_allowed("svcmap.example.com", allowed)
    assert host_allowed("10.0.0.5:8080", allowed)
    assert host_allowed("a.b.corp.example", allowed)
    assert not host_allowed("corp.example", allowed)  # a wildcard names what is under it
    assert not host_allowed("evilcorp.example", allowed)
    assert not host_allowed("10.0.0.6", allowed)


def test_listening_on_every_address_adds_no_name_and_an_ipv6_one_is_bracketed():
    assert allowed_hosts((), "0.0.0.0") == LOCAL  # noqa: S104 - the address is the subject
    assert allowed_hosts((), "::") == LOCAL
    assert host_allowed("[fd00::5]:8080", allowed_hosts((), "fd00::5"))


def test_loopback_addresses_are_told_from_the_others():
    assert all(map(is_loopback, ("127.0.0.1", "127.8.9.1", "::1", "[::1]", "localhost")))
    assert not any(map(is_loopback, ("0.0.0.0", "::", "", "10.0.0.5", "svcmap.example")))  # noqa: S104 - the address is the subject


@given(st.text(max_size=300))
def test_any_host_header_is_answered_yes_or_no(header):
    assert host_allowed(header, LOCAL) in (True, False)
