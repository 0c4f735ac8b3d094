"""The settings of `risk`: the share, the objective and the burn rates, read as numbers."""

import pytest

from bot.settings import load_settings
from topology.errors import SettingsError

NAMES = (
    "SVCMAP_RISK_MIN_SHARE",
    "SVCMAP_SLO_OBJECTIVE",
    "SVCMAP_SLO_LATENCY_MS",
    "SVCMAP_BURN_FAST_RATE",
    "SVCMAP_BURN_SLOW_RATE",
)


def test_the_workbook_defaults(monkeypatch):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)

    settings = load_settings()

    assert settings.risk_min_share == 0.5
    assert (settings.slo_objective, settings.slo_latency_ms) == (0.999, 500.0)
    assert (settings.burn_fast_rate, settings.burn_slow_rate) == (14.4, 6.0)


def test_the_environment_sets_them_as_numbers(monkeypatch):
    for name, value in zip(NAMES, ("0.25", "0.99", "250", "10", "3"), strict=True):
        monkeypatch.setenv(name, value)

    settings = load_settings()

    assert settings.risk_min_share == 0.25
    assert (settings.slo_objective, settings.slo_latency_ms) == (0.99, 250.0)
    assert (settings.burn_fast_rate, settings.burn_slow_rate) == (10.0, 3.0)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SVCMAP_RISK_MIN_SHARE", "0"),
        ("SVCMAP_RISK_MIN_SHARE", "1.5"),
        ("SVCMAP_SLO_OBJECTIVE", "1"),
        ("SVCMAP_SLO_OBJECTIVE", "99.9%"),
        ("SVCMAP_SLO_OBJECTIVE", "nan"),
        ("SVCMAP_SLO_LATENCY_MS", "-5"),
        ("SVCMAP_BURN_FAST_RATE", "inf"),
        ("SVCMAP_BURN_SLOW_RATE", "1e400"),
        ("SVCMAP_BURN_SLOW_RATE", "six"),
    ],
)
def test_a_bad_value_is_refused_naming_the_setting(monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError, match=name):
        load_settings()
