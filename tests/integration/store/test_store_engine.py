from __future__ import annotations

import pytest

from bot.adapters.store import make_engine
from topology.errors import StoreError


def pragma(engine, name):
    with engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


@pytest.fixture
def sqlite_file_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'svcmap.db'}")
    yield engine
    engine.dispose()


def test_a_sqlite_file_is_created_with_its_missing_directories(sqlite_file_engine, tmp_path):
    assert (tmp_path / "nested" / "dir" / "svcmap.db").exists()


def test_a_sqlite_file_runs_in_wal_mode(sqlite_file_engine):
    assert pragma(sqlite_file_engine, "journal_mode") == "wal"


def test_sqlite_connections_wait_check_foreign_keys_and_sync_normally(sqlite_file_engine):
    assert pragma(sqlite_file_engine, "busy_timeout") == 5000
    assert pragma(sqlite_file_engine, "foreign_keys") == 1
    assert pragma(sqlite_file_engine, "synchronous") == 1  # NORMAL


def test_an_in_memory_sqlite_database_opens():
    engine = make_engine("sqlite://")
    try:
        assert pragma(engine, "foreign_keys") == 1
    finally:
        engine.dispose()


def test_an_unreachable_postgres_is_reported_with_the_password_hidden():
    url = "postgresql+psycopg://svcmap:hunter2@127.0.0.1:1/svcmap"
    with pytest.raises(StoreError) as raised:
        make_engine(url)
    message = str(raised.value)
    assert "hunter2" not in message
    assert "postgresql+psycopg://svcmap:***@127.0.0.1:1/svcmap" in message


def test_a_sqlite_path_below_a_file_is_reported(tmp_path):
    (tmp_path / "plain-file").write_text("not a directory")
    url = f"sqlite:///{tmp_path / 'plain-file' / 'svcmap.db'}"
    with pytest.raises(StoreError, match="cannot open the store at sqlite:///"):
        make_engine(url)


def test_a_url_that_cannot_be_parsed_is_reported_without_repeating_it():
    with pytest.raises(StoreError) as raised:
        make_engine("not a url with hunter2")
    assert "hunter2" not in str(raised.value)


def test_a_database_other_than_sqlite_or_postgres_is_refused():
    with pytest.raises(StoreError, match="only SQLite and Postgres"):
        make_engine("mysql://svcmap:hunter2@127.0.0.1/svcmap")
