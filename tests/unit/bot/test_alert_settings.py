"""The alert workers' settings: defaults, values from the environment, bad values refused."""

import pytest

from bot.settings import SettingsError, load_settings


def test_two_workers_and_ten_thousand_waiting_by_default(monkeypatch):
    monkeypatch.delenv("SVCMAP_ALERT_WORKERS", raising=False)
    monkeypatch.delenv("SVCMAP_ALERT_QUEUE_LIMIT", raising=False)

    settings = load_settings()

    assert (settings.alert_workers, settings.alert_queue_limit) == (2, 10_000)


def test_the_environment_sets_the_workers_and_the_limit(monkeypatch):
    monkeypatch.setenv("SVCMAP_ALERT_WORKERS", "4")
    monkeypatch.setenv("SVCMAP_ALERT_QUEUE_LIMIT", "500")

    settings = load_settings()

    assert (settings.alert_workers, settings.alert_queue_limit) == (4, 500)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SVCMAP_ALERT_WORKERS", "0"),
        ("SVCMAP_ALERT_WORKERS", "17"),
        ("SVCMAP_ALERT_WORKERS", "two"),
        ("SVCMAP_ALERT_QUEUE_LIMIT", "0"),
        ("SVCMAP_ALERT_QUEUE_LIMIT", "-5"),
    ],
)
def test_a_bad_value_is_refused_naming_the_setting(monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError, match=name):
        load_settings()
