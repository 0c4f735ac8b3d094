"""Where settings come from: `.env` in the working directory, the environment, the caller."""

from __future__ import annotations

import os

import pytest

from bot.settings import load_settings
from topology.errors import SettingsError


@pytest.fixture
def workdir(monkeypatch, tmp_path):
    """A working directory of its own, with no SVCMAP_ variable set."""
    for name in [name for name in os.environ if name.upper().startswith("SVCMAP_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_dotenv_file_in_the_working_directory_is_read(workdir):
    (workdir / ".env").write_text(
        "# the store\n"
        "SVCMAP_DATABASE_URL=sqlite:///from-dotenv.db\n"
        "export SVCMAP_DEFAULT_WINDOW='2h'\n"
        'SVCMAP_ALERT_LABELS="app, job"\n'
    )

    settings = load_settings()

    assert settings.database_url == "sqlite:///from-dotenv.db"
    assert settings.default_window == "2h"
    assert settings.alert_labels == ("app", "job")


def test_the_environment_wins_over_dotenv_and_the_caller_over_both(workdir, monkeypatch):
    (workdir / ".env").write_text("SVCMAP_DEFAULT_WINDOW=2h\nSVCMAP_TRACE_LIMIT=7\n")
    monkeypatch.setenv("SVCMAP_DEFAULT_WINDOW", "3h")
    monkeypatch.setenv("SVCMAP_TRACE_LIMIT", "8")

    settings = load_settings(trace_limit=9)

    assert (settings.default_window, settings.trace_limit) == ("3h", 9)


def test_names_are_read_whatever_their_case(workdir, monkeypatch):
    (workdir / ".env").write_text("svcmap_trace_limit=11\n")
    monkeypatch.setenv("Svcmap_Default_Window", "4h")

    settings = load_settings()

    assert (settings.default_window, settings.trace_limit) == ("4h", 11)


def test_an_empty_value_means_the_default_in_either_place(workdir, monkeypatch):
    (workdir / ".env").write_text("SVCMAP_TRACE_LIMIT=\nSVCMAP_REFRESH_INTERVAL\n")
    monkeypatch.setenv("SVCMAP_SOURCE_TIMEOUT", "")

    settings = load_settings()

    assert (settings.trace_limit, settings.refresh_interval, settings.source_timeout) == (
        1000,
        60,
        10,
    )


def test_other_variables_and_unknown_svcmap_names_are_ignored(workdir, monkeypatch):
    (workdir / ".env").write_text("DATABASE_URL=postgresql://elsewhere\nSVCMAP_NO_SUCH=1\n")
    monkeypatch.setenv("SVCMAP_ALSO_UNKNOWN", "x")
    monkeypatch.setenv("XDG_DATA_HOME", str(workdir))

    settings = load_settings()

    assert settings.database_url == f"sqlite:///{workdir}/svcmap/svcmap.db"


def test_a_bad_value_in_dotenv_is_named_like_one_in_the_environment(workdir):
    (workdir / ".env").write_text("SVCMAP_TRACE_LIMIT=lots\n")

    with pytest.raises(SettingsError, match="SVCMAP_TRACE_LIMIT"):
        load_settings()


def test_a_dotenv_that_is_not_utf8_is_refused_naming_the_file(workdir):
    (workdir / ".env").write_bytes(b"SVCMAP_TRACE_LIMIT=5\nSVCMAP_WEB_URL=\xff\xfe\n")

    with pytest.raises(SettingsError, match=r"\.env: cannot read the settings"):
        load_settings()


def test_a_dotenv_that_is_not_a_file_is_not_read(workdir):
    (workdir / ".env").mkdir()

    assert load_settings().trace_limit == 1000
