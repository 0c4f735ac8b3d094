"""Opening the database: engine settings per dialect, and migrating it to the latest schema."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import String, column, create_engine, event, func, inspect, select, table
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.adapters.store.revisions import MIGRATIONS, VERSION_TABLE, head_revision
from topology.errors import StoreError

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable

    from sqlalchemy.engine import Connection
    from sqlalchemy.pool import ConnectionPoolEntry

BUSY_TIMEOUT_MS = 5000
"""How long a SQLite connection waits for another writer before giving up."""

SUPPORTED = ("sqlite", "postgresql")
"""The database backends the store's statements are written for."""

MIGRATION_LOCK = 0x7376636D6170
"""Key of the Postgres advisory lock held while migrating ("svcmap" in ASCII)."""

CONNECT_TIMEOUT_S = 5
"""Seconds opening a Postgres connection may take, unless the URL sets `connect_timeout`."""

POOL_TIMEOUT_S = 5.0
"""Seconds a request waits for a free pooled connection before the store counts as unavailable."""

STATEMENT_TIMEOUT_S = 30.0
"""Seconds one Postgres statement may run, unless the URL's `options` set `statement_timeout`."""


@dataclass(frozen=True, slots=True)
class Timeouts:
    """How long the store waits: for a free pooled connection, and for one statement."""

    pool_s: float = POOL_TIMEOUT_S
    statement_s: float = STATEMENT_TIMEOUT_S


WRITES = "svcmap_writes"
"""Execution option marking a transaction that will write: on SQLite it takes the lock up front."""


def make_engine(url: str, *, timeouts: Timeouts | None = None) -> Engine:
    """Create an engine for `url` and check that the database can be reached.

    A request waits `timeouts.pool_s` at most for a pooled connection (SQLAlchemy's
    `TimeoutError` then); a Postgres statement runs `timeouts.statement_s` at most (an
    `OperationalError` then). SQLite waits `BUSY_TIMEOUT_MS` for another writer.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        # The parser's message repeats the URL, password included: say less.
        raise StoreError("not a database URL (e.g. sqlite:///svcmap.db)") from None
    shown = masked(parsed)
    if parsed.get_backend_name() not in SUPPORTED:
        raise StoreError(
            f"cannot open the store at {shown}: only SQLite and Postgres are supported"
        )
    try:
        engine = _create(parsed, timeouts or Timeouts())
        with engine.connect():
            pass
    except (ImportError, OSError, SQLAlchemyError) as error:
        raise StoreError(f"cannot open the store at {shown}: {_reason(error)}") from error
    return engine


def upgrade(engine: Engine) -> None:
    """Migrate the database behind `engine` to the latest schema; a no-op when it is there.

    A store already at the newest revision is told by one read, without loading Alembic.
    """
    try:
        current = stored_revisions(engine) == [head_revision()]
    except SQLAlchemyError as error:
        raise _not_migrated(engine, error) from error
    if not current:
        _migrate(engine)


def stored_revisions(engine: Engine) -> list[str]:
    """The revisions Alembic recorded in the database: none when it was never migrated."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return []
        query = select(column("version_num", String)).select_from(table(VERSION_TABLE))
        return list(connection.execute(query).scalars())


def _migrate(engine: Engine) -> None:
    # Importing Alembic takes longer than answering a question: only a new or older store does.
    from alembic import command  # noqa: PLC0415 - imported only to migrate
    from alembic.config import Config  # noqa: PLC0415 - imported only to migrate
    from alembic.util import CommandError  # noqa: PLC0415 - imported only to migrate

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    try:
        with engine.connect() as connection:
            connection.execution_options(**{WRITES: True})
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    # Replicas starting together migrate one after the other.
                    connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
    except (CommandError, SQLAlchemyError) as error:
        raise _not_migrated(engine, error) from error


def _not_migrated(engine: Engine, error: Exception) -> StoreError:
    return StoreError(f"cannot migrate the store at {masked(engine.url)}: {_reason(error)}")


def masked(url: URL) -> str:
    """The URL as it may be shown to a person: with any password hidden."""
    return url.render_as_string(hide_password=True)


def _create(url: URL, timeouts: Timeouts) -> Engine:
    if url.get_backend_name() != "sqlite":
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_timeout=timeouts.pool_s,
            connect_args=postgres_connect_args(url, timeouts),
        )
    database = url.database or ""
    on_disk = database not in ("", ":memory:") and not database.startswith("file:")
    if on_disk:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # Only a file is pooled (QueuePool); an in-memory database keeps one connection a thread.
    pooled = {"pool_timeout": timeouts.pool_s} if on_disk else {}
    engine = create_engine(url, **pooled)
    event.listen(engine, "connect", _sqlite_pragmas(on_disk=on_disk))
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def postgres_connect_args(url: URL, timeouts: Timeouts) -> dict[str, object]:
    """The connect timeout and statement timeout, each unless the URL sets its own."""
    found: dict[str, object] = {}
    if "connect_timeout" not in url.query:
        # A database host that is gone (no answer at all) fails in seconds, not in minutes.
        found["connect_timeout"] = CONNECT_TIMEOUT_S
    options = url.query.get("options", "")
    given = " ".join(options) if isinstance(options, tuple) else options
    if "statement_timeout" not in given:
        limit = f"-c statement_timeout={round(timeouts.statement_s * 1000):d}"
        found["options"] = f"{given} {limit}".strip()
    return found


def _sqlite_pragmas(*, on_disk: bool) -> Callable[[sqlite3.Connection, ConnectionPoolEntry], None]:
    def on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the sqlite3 module, say where transactions begin (see _sqlite_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if on_disk:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    return on_connect


def _sqlite_begin(connection: Connection) -> None:
    # A writer that began as a reader fails at once ("database is locked") when another
    # writer commits first; BEGIN IMMEDIATE makes it wait its turn (busy_timeout) instead.
    writes = connection.get_execution_options().get(WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _reason(error: BaseException) -> str:
    original = getattr(error, "orig", None)
    return str(original if original is not None else error).strip().splitlines()[0]
