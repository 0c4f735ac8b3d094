"""The bounds of an incident's snapshot: services with series, and bytes written."""

import pytest

from bot.settings import load_settings
from topology.errors import SettingsError
from topology.rca.scope import SNAPSHOT_BYTES, SNAPSHOT_SERVICES


def test_the_defaults_are_the_cut_ones():
    settings = load_settings()

    assert (settings.snapshot_services, settings.snapshot_bytes) == (
        SNAPSHOT_SERVICES,
        SNAPSHOT_BYTES,
    )
    assert settings.snapshot_bytes == 5_000_000


def test_both_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SVCMAP_SNAPSHOT_SERVICES", "50")
    monkeypatch.setenv("SVCMAP_SNAPSHOT_BYTES", "20000000")

    settings = load_settings()

    assert (settings.snapshot_services, settings.snapshot_bytes) == (50, 20_000_000)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SVCMAP_SNAPSHOT_SERVICES", "0"),
        ("SVCMAP_SNAPSHOT_SERVICES", "lots"),
        ("SVCMAP_SNAPSHOT_BYTES", "100"),
        ("SVCMAP_SNAPSHOT_BYTES", "-1"),
        ("SVCMAP_SNAPSHOT_BYTES", "5MB"),
        ("SVCMAP_SNAPSHOT_BYTES", "2000000000"),
    ],
)
def test_a_bad_bound_is_refused_naming_the_setting(monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError, match=name):
        load_settings()
