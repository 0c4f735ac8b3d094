"""Calls and served requests for the store tests, with readable defaults."""

from __future__ import annotations

from topology.model import Call, NodeKind, Served

T0 = 1_700_000_040
"""A minute-aligned epoch second the tests count from."""


def call(
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


def served(service: str, key: str, *, at: int = T0, error: bool = False, ms: float = 10) -> Served:
    """A request `service` served at epoch second `at`."""
    return Served(service, key, at * 1_000_000, error, int(ms * 1_000))
