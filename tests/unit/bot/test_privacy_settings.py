"""The settings of redaction, anonymisation and who pages are named: defaults, bad values."""

import pytest

from bot.settings import load_settings
from topology.errors import SettingsError


def test_the_defaults_redact_name_nobody_and_hold_no_key(monkeypatch):
    for name in ("REDACT_DEFAULTS", "REDACT_RULES", "ANONYMISE_KEY", "PAGE_PRESSER_NAME"):
        monkeypatch.delenv(f"SVCMAP_{name}", raising=False)
    settings = load_settings()
    assert settings.redact_defaults is True
    assert settings.redact_rules == ""
    assert settings.anonymise_key is None
    assert settings.page_presser_name == "none"


def test_rules_come_from_the_environment_as_json(monkeypatch):
    monkeypatch.setenv("SVCMAP_REDACT_RULES", '{"-[a-z0-9]{5}$": "-{pod}"}')
    monkeypatch.setenv("SVCMAP_REDACT_DEFAULTS", "false")
    monkeypatch.setenv("SVCMAP_PAGE_PRESSER_NAME", " Display-Name ")
    settings = load_settings()
    assert settings.redact_rules == '{"-[a-z0-9]{5}$": "-{pod}"}'
    assert settings.redact_defaults is False
    assert settings.page_presser_name == "display-name"


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("redact_rules", "{oops", "SVCMAP_REDACT_RULES: not JSON"),
        ("redact_rules", '{"[": "{x}"}', 'SVCMAP_REDACT_RULES: rule "["'),
        ("redact_rules", '{"a": "{id7777777}"}', "would itself be redacted"),
        ("redact_defaults", "perhaps", "SVCMAP_REDACT_DEFAULTS"),
        ("anonymise_key", "too short", "SVCMAP_ANONYMISE_KEY: must be at least 16"),
        ("page_presser_name", "user-id", "SVCMAP_PAGE_PRESSER_NAME"),
    ],
)
def test_bad_values_are_refused_naming_the_setting(setting, value, said):
    with pytest.raises(SettingsError) as refused:
        load_settings(**{setting: value})
    assert said in str(refused.value)


def test_the_anonymise_key_is_never_shown():
    settings = load_settings(anonymise_key="s3cr3t-s3cr3t-s3cr3t")
    assert "s3cr3t" not in repr(settings)
