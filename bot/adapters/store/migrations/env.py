"""Alembic environment: run from `bot.adapters.store.engine.upgrade` or the `alembic` CLI."""

from __future__ import annotations

import logging.config
import os

from alembic import context
from sqlalchemy.engine import Connection

from bot.adapters.store.engine import make_engine
from bot.adapters.store.schema import metadata
from topology.errors import StoreError

config = context.config


def database_url() -> str:
    """The URL given with `-x url=...`, `SVCMAP_DATABASE_URL`, or `sqlalchemy.url`."""
    url = (
        context.get_x_argument(as_dictionary=True).get("url")
        or os.environ.get("SVCMAP_DATABASE_URL")
        or config.get_main_option("sqlalchemy.url")
    )
    if not url:
        raise StoreError("no database URL: pass -x url=... or set SVCMAP_DATABASE_URL")
    return url


def run(connection: Connection) -> None:
    """Run the pending migrations on `connection`."""
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    """Print the migrations as SQL (`alembic upgrade head --sql`)."""
    context.configure(url=database_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Migrate the connection handed over by `upgrade()`, or open one from the URL."""
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        run(given)
        return
    if config.config_file_name is not None:
        logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)
    engine = make_engine(database_url())
    try:
        with engine.begin() as connection:
            run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
