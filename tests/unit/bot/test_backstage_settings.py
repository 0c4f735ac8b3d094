"""The Backstage settings: a URL like the others, a secret token, filter sets."""

from __future__ import annotations

import dataclasses

import pytest

from bot.settings import load_settings
from topology.errors import SettingsError

TOKEN = "bs-t0ken-never-shown"


def test_backstage_is_off_by_default_and_reads_components_and_resources(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in ("URL", "TOKEN", "FILTER"):
        monkeypatch.delenv(f"SVCMAP_BACKSTAGE_{name}", raising=False)

    settings = load_settings()

    assert (settings.backstage_url, settings.backstage_token) == ("", None)
    assert settings.backstage_filters() == ("kind=component", "kind=resource")


def test_the_token_is_kept_secret_in_the_settings_repr(monkeypatch):
    monkeypatch.setenv("SVCMAP_BACKSTAGE_TOKEN", TOKEN)

    settings = load_settings()

    assert settings.backstage_token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)
    assert TOKEN not in str(dataclasses.asdict(settings))


def test_an_empty_token_means_none(monkeypatch):
    monkeypatch.setenv("SVCMAP_BACKSTAGE_TOKEN", "  ")

    assert load_settings().backstage_token is None


def test_filter_sets_are_separated_by_semicolons():
    settings = load_settings(backstage_filter=" kind=component,spec.type=service ; kind=resource;")

    assert settings.backstage_filters() == ("kind=component,spec.type=service", "kind=resource")


@pytest.mark.parametrize("value", [";", "kind=component,,spec.type=service", "kind=comp\tonent"])
def test_a_bad_filter_is_named(value):
    with pytest.raises(SettingsError, match="SVCMAP_BACKSTAGE_FILTER"):
        load_settings(backstage_filter=value)


@pytest.mark.parametrize("value", ["backstage:7007", "ftp://backstage", "tcp://:7007"])
def test_a_backstage_url_that_is_not_http_is_refused_without_quoting_it(value):
    with pytest.raises(
        SettingsError, match=r"SVCMAP_BACKSTAGE_URL: .*http:// or https://"
    ) as caught:
        load_settings(backstage_url=value)

    assert value not in str(caught.value)
