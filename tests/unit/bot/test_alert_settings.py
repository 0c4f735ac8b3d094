"""The alert workers' settings: defaults, values from the environment, bad values refused."""

import pytest

from bot.settings import load_settings
from topology.errors import SettingsError


def test_two_workers_ten_thousand_waiting_and_a_two_minute_lease_by_default(monkeypatch):
    for name in ("SVCMAP_ALERT_WORKERS", "SVCMAP_ALERT_QUEUE_LIMIT", "SVCMAP_ALERT_LEASE"):
        monkeypatch.delenv(name, raising=False)

    settings = load_settings()

    assert (settings.alert_workers, settings.alert_queue_limit, settings.alert_lease) == (
        2,
        10_000,
        120,
    )


def test_the_environment_sets_the_workers_the_limit_and_the_lease(monkeypatch):
    monkeypatch.setenv("SVCMAP_ALERT_WORKERS", "4")
    monkeypatch.setenv("SVCMAP_ALERT_QUEUE_LIMIT", "500")
    monkeypatch.setenv("SVCMAP_ALERT_LEASE", "30")

    settings = load_settings()

    assert (settings.alert_workers, settings.alert_queue_limit, settings.alert_lease) == (
        4,
        500,
        30,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SVCMAP_ALERT_WORKERS", "0"),
        ("SVCMAP_ALERT_WORKERS", "17"),
        ("SVCMAP_ALERT_WORKERS", "two"),
        ("SVCMAP_ALERT_QUEUE_LIMIT", "0"),
        ("SVCMAP_ALERT_QUEUE_LIMIT", "-5"),
        ("SVCMAP_ALERT_LEASE", "0"),
        ("SVCMAP_ALERT_LEASE", "9"),
        ("SVCMAP_ALERT_LEASE", "86400"),
        ("SVCMAP_ALERT_LEASE", "2m"),
    ],
)
def test_a_bad_value_is_refused_naming_the_setting(monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError, match=name):
        load_settings()
