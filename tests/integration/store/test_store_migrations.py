from __future__ import annotations

from argparse import Namespace
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

import topology.store
from topology.store import make_engine, upgrade
from topology.store.schema import metadata

ALEMBIC_INI = Path(topology.store.__file__).parent / "alembic.ini"


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_migrating_creates_every_table(engine):
    assert table_names(engine) == {*metadata.tables, "alembic_version"}


def test_the_migrated_database_matches_the_schema_module(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_migrating_an_up_to_date_database_again_changes_nothing(engine):
    with engine.connect() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
    upgrade(engine)
    upgrade(engine)
    with engine.connect() as connection:
        after = MigrationContext.configure(connection).get_current_revision()
    assert before == after == "0001"
    assert table_names(engine) == {*metadata.tables, "alembic_version"}


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
