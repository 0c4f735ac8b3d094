from __future__ import annotations

import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import BigInteger, Column, MetaData, inspect, text
from sqlalchemy.engine import Engine

import bot.adapters.store
from bot.adapters.store import Store, make_engine, upgrade
from bot.adapters.store.schema import metadata

ALEMBIC_INI = Path(bot.adapters.store.__file__).parent / "alembic.ini"


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_migrating_creates_every_table(engine):
    assert table_names(engine) == {*metadata.tables, "alembic_version"}


def differences(engine: Engine, expected: MetaData) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, expected))


def test_the_migrated_database_matches_the_schema_module(engine):
    assert differences(engine, metadata) == []


def test_the_comparison_would_notice_a_column_missing_from_the_migration(engine):
    expected = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(expected)
    expected.tables["edge_buckets"].append_column(Column("h99", BigInteger, nullable=False))
    assert differences(engine, expected) != []


def test_migrating_an_up_to_date_database_again_changes_nothing(engine):
    with engine.connect() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
    upgrade(engine)
    upgrade(engine)
    with engine.connect() as connection:
        after = MigrationContext.configure(connection).get_current_revision()
    assert (
        before == after == ScriptDirectory.from_config(Config(str(ALEMBIC_INI))).get_current_head()
    )
    assert table_names(engine) == {*metadata.tables, "alembic_version"}


def test_a_store_of_the_first_revision_migrates_keeping_its_statistics(database_url):
    config = Config(str(ALEMBIC_INI), cmd_opts=Namespace(x=[f"url={database_url}"]))
    command.upgrade(config, "0001")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO seen_calls (key, start) VALUES (1, 60)"))
            connection.execute(
                text("INSERT INTO nodes VALUES ('web', 'service', :no, 60, 60)"), {"no": False}
            )
        upgrade(engine)
        assert table_names(engine) == {*metadata.tables, "alembic_version"}
        assert differences(engine, metadata) == []
        assert [node.name for node in Store(engine).nodes()] == ["web"]
    finally:
        engine.dispose()


def test_the_alembic_command_line_migrates_the_database_given_with_x_url(database_url):
    config = Config(str(ALEMBIC_INI), cmd_opts=Namespace(x=[f"url={database_url}"]))
    command.upgrade(config, "head")
    engine = make_engine(database_url)
    try:
        assert table_names(engine) == {*metadata.tables, "alembic_version"}
    finally:
        engine.dispose()


def test_the_alembic_command_line_reads_the_url_from_the_environment(database_url, monkeypatch):
    monkeypatch.setenv("SVCMAP_DATABASE_URL", database_url)
    command.upgrade(Config(str(ALEMBIC_INI)), "head")
    engine = make_engine(database_url)
    try:
        assert "edge_buckets" in table_names(engine)
    finally:
        engine.dispose()


MIGRATE = """
import sys
from bot.adapters.store import Store, make_engine, upgrade
engine = make_engine(sys.argv[1])
upgrade(engine)
engine.dispose()
"""


@pytest.mark.slow
def test_processes_migrating_a_new_database_together_all_succeed(database_url):
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE, database_url], stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    errors = [process.communicate(timeout=60)[1] for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0, 0], errors
    engine = make_engine(database_url)
    try:
        assert table_names(engine) == {*metadata.tables, "alembic_version"}
    finally:
        engine.dispose()
