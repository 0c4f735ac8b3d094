"""The store: per-minute edge and service statistics in SQLite or Postgres."""

from topology.store.engine import make_engine, upgrade
from topology.store.repository import ImportRecord, IngestResult, Store

__all__ = ["ImportRecord", "IngestResult", "Store", "make_engine", "upgrade"]
