"""The one composition root: settings in, concrete adapters out."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from bot.settings import Settings
from topology.catalog_yaml import load_catalog
from topology.errors import CatalogError
from topology.ownership import Catalog
from topology.store.engine import make_engine, upgrade
from topology.store.repository import Store


@dataclass(frozen=True, slots=True)
class App:
    """Everything a use case needs, built once per process."""

    settings: Settings
    store: Store
    catalog: Catalog
    clock: Callable[[], float]
    engine: Engine

    def now(self) -> int:
        """The current time in Unix seconds."""
        return int(self.clock())

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> App:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def read_catalog(path: Path | None) -> Catalog:
    """The ownership catalog at `path`, or an empty one when none is configured."""
    if path is None:
        return Catalog()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogError(f"{path}: cannot read the catalog: {error.strerror}") from None
    return load_catalog(text, source=str(path))


def build_app(settings: Settings, *, clock: Callable[[], float] = time.time) -> App:
    """Build the store (migrated to the current schema) and the catalog from settings."""
    engine = make_engine(settings.database_url)
    upgrade(engine)
    return App(
        settings=settings,
        store=Store(engine),
        catalog=read_catalog(settings.catalog_file),
        clock=clock,
        engine=engine,
    )
