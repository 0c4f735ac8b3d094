"""Fixtures of the store tests: a migrated database, a Store on it, calls to import."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine

from bot.adapters.store import Store
from topology.model import Call, NodeKind, Served

T0 = 1_700_000_040
"""A minute-aligned epoch second the tests count from."""


@pytest.fixture
def store(engine: Engine) -> Store:
    """A store on a freshly migrated database."""
    return Store(engine)


@pytest.fixture
def t0() -> int:
    """The minute-aligned epoch second that calls and served requests default to."""
    return T0


def make_call(
    parent: str,
    child: str,
    key: str,
    *,
    at: int = T0,
    error: bool = False,
    server_ms: float | None = None,
    client_ms: float | None = None,
    child_kind: NodeKind | None = None,
    child_local: bool = True,
) -> Call:
    """A call `parent -> child` at epoch second `at`, from an instrumented parent."""
    return Call(
        parent=parent,
        child=child,
        key=key,
        start_us=at * 1_000_000,
        error=error,
        server_us=None if server_ms is None else int(server_ms * 1_000),
        client_us=None if client_ms is None else int(client_ms * 1_000),
        child_kind=child_kind,
        parent_local=True,
        child_local=child_local,
    )


def make_served(
    service: str, key: str, *, at: int = T0, error: bool = False, ms: float = 10
) -> Served:
    """A request `service` served at epoch second `at`."""
    return Served(service, key, at * 1_000_000, error, int(ms * 1_000))


@pytest.fixture
def call() -> Callable[..., Call]:
    """Build a call: `call(parent, child, key, at=..., error=..., server_ms=..., ...)`."""
    return make_call


@pytest.fixture
def served() -> Callable[..., Served]:
    """Build a served request: `served(service, key, at=..., error=..., ms=...)`."""
    return make_served
