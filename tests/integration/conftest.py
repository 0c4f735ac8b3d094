"""Fixtures shared by the integration tests: real databases to run against."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.schema import CreateSchema, DropSchema

from bot.adapters.store import make_engine, upgrade
from bot.adapters.store.incident_rows import Opening
from bot.bootstrap import App, build_app
from bot.settings import load_settings

POSTGRES_URL_VARIABLE = "SVCMAP_TEST_POSTGRES_URL"


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a fresh schema in Postgres."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'svcmap.db'}"
        return
    base = os.environ.get(POSTGRES_URL_VARIABLE)
    if not base:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set")
    schema = f"svcmap_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(CreateSchema(schema))
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(DropSchema(schema, cascade=True, if_exists=True))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to the latest schema."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def an_opening(key: str, **changes: object) -> Opening:
    """An incident opened by hand for checkout, `payment` its cause; `changes` override."""
    given: dict[str, object] = {
        "key": key,
        "group_hash": key,
        "group_key": key,
        "receiver": "svcmap",
        "symptom": "checkout",
        "cause": "payment",
        "severity": "critical",
        "title": "checkout: 5xx",
    }
    return Opening(**(given | changes))


IMPORTED_AT = 1_790_000_000
"""The clock of the apps `import_apps` makes."""


@pytest.fixture
def import_apps(tmp_path: Path, database_url: str) -> Iterator[Callable[[str], App]]:
    """Apps importing files: on the database under test ("streamed"), or on a SQLite file of
    any other name, closed at the end."""
    with ExitStack() as stack:

        def make(name: str) -> App:
            url = database_url if name == "streamed" else f"sqlite:///{tmp_path / name}"
            settings = load_settings(database_url=url)
            return stack.enter_context(build_app(settings, clock=lambda: float(IMPORTED_AT)))

        yield make
