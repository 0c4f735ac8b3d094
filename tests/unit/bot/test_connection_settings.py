"""serve's connection settings: safe defaults, durations, bad values refused by name."""

import pytest

from bot.settings import load_settings
from topology.errors import SettingsError


def test_ten_seconds_for_headers_and_a_thousand_connections_by_default(monkeypatch):
    monkeypatch.delenv("SVCMAP_HTTP_HEADER_TIMEOUT", raising=False)
    monkeypatch.delenv("SVCMAP_HTTP_MAX_CONNECTIONS", raising=False)

    settings = load_settings()

    assert (settings.http_header_timeout, settings.http_max_connections) == (10, 1000)


def test_the_environment_sets_both_the_deadline_as_a_duration(monkeypatch):
    monkeypatch.setenv("SVCMAP_HTTP_HEADER_TIMEOUT", "1m")
    monkeypatch.setenv("SVCMAP_HTTP_MAX_CONNECTIONS", "200")

    settings = load_settings()

    assert (settings.http_header_timeout, settings.http_max_connections) == (60, 200)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SVCMAP_HTTP_HEADER_TIMEOUT", "0"),
        ("SVCMAP_HTTP_HEADER_TIMEOUT", "301"),
        ("SVCMAP_HTTP_HEADER_TIMEOUT", "forever"),
        ("SVCMAP_HTTP_MAX_CONNECTIONS", "15"),
        ("SVCMAP_HTTP_MAX_CONNECTIONS", "100001"),
        ("SVCMAP_HTTP_MAX_CONNECTIONS", "-1"),
        ("SVCMAP_HTTP_MAX_CONNECTIONS", "lots"),
    ],
)
def test_a_bad_value_is_refused_naming_the_setting(monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError, match=name):
        load_settings()
