import pytest

from bot.settings import SettingsError, load_settings


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SVCMAP_DATABASE_URL", "sqlite:///x.db")
    monkeypatch.setenv("SVCMAP_DEFAULT_WINDOW", "2h")
    settings = load_settings()
    assert (settings.database_url, settings.default_window) == ("sqlite:///x.db", "2h")


def test_the_default_database_is_a_sqlite_file_in_the_data_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("SVCMAP_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert load_settings().database_url == f"sqlite:///{tmp_path}/svcmap/svcmap.db"


def test_a_bad_setting_is_named(monkeypatch):
    monkeypatch.setenv("SVCMAP_DEFAULT_WINDOW", "a while")
    with pytest.raises(SettingsError, match="SVCMAP_DEFAULT_WINDOW"):
        load_settings()


def test_a_bad_boolean_is_named(monkeypatch):
    monkeypatch.setenv("SVCMAP_INFER_PEERS", "perhaps")
    with pytest.raises(SettingsError, match="SVCMAP_INFER_PEERS"):
        load_settings()


def test_an_empty_catalog_setting_means_no_catalog(monkeypatch):
    monkeypatch.setenv("SVCMAP_CATALOG_FILE", "")
    assert load_settings().catalog_file is None
