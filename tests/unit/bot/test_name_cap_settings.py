"""The settings of the caps on new names: generous defaults, durations, no negative caps."""

import pytest

from bot.bootstrap import name_limits
from bot.settings import load_settings
from topology.errors import SettingsError


def test_the_defaults_fit_a_large_fleet():
    limits = name_limits(load_settings())

    assert (limits.services, limits.virtual, limits.edges) == (10_000, 10_000, 100_000)
    assert (limits.new_per_minute, limits.window_s) == (500, 86_400)


def test_the_window_is_a_duration_and_each_cap_is_read(monkeypatch):
    monkeypatch.setenv("SVCMAP_NAME_WINDOW", "6h")
    monkeypatch.setenv("SVCMAP_MAX_EDGES", "5")
    monkeypatch.setenv("SVCMAP_NEW_NAMES_PER_MINUTE", "0")

    limits = name_limits(load_settings())

    assert (limits.window_s, limits.edges, limits.new_per_minute) == (21_600, 5, 0)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SVCMAP_MAX_SERVICES", "-1"),
        ("SVCMAP_MAX_VIRTUAL_NODES", "many"),
        ("SVCMAP_NEW_NAMES_PER_MINUTE", "-5"),
        ("SVCMAP_NAME_WINDOW", "0s"),
        ("SVCMAP_NAME_WINDOW", "500d"),
    ],
)
def test_a_bad_cap_is_refused_naming_the_setting(monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError, match=name):
        load_settings()
