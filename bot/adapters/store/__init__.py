"""The store: per-minute edge and service statistics in SQLite or Postgres.

Its names are loaded when first used: the stdlib SQLite reader of this package
(`bot.adapters.store.sqlite_reader`) loads no SQLAlchemy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.adapters.store.engine import make_engine, upgrade
    from bot.adapters.store.repository import ImportRecord, IngestResult, Store

__all__ = ["ImportRecord", "IngestResult", "Store", "make_engine", "upgrade"]

_HOMES = {
    "ImportRecord": "bot.adapters.store.repository",
    "IngestResult": "bot.adapters.store.repository",
    "Store": "bot.adapters.store.repository",
    "make_engine": "bot.adapters.store.engine",
    "upgrade": "bot.adapters.store.engine",
}


def __getattr__(name: str) -> object:
    """One of `__all__`, from the module defining it."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(home), name)
