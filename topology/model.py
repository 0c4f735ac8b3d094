"""Core types: the kinds of spans and nodes, and the records linking reads and makes.

`Span`, `Call` and `Served` live in `topology.records` (msgspec structs) and are read
from here on first use, so a question that never meets a span does not load msgspec.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # at run time, `__getattr__` below gives them
    from topology.records import Call as Call  # noqa: PLC0414 - re-exported
    from topology.records import Served as Served  # noqa: PLC0414 - re-exported
    from topology.records import Span as Span  # noqa: PLC0414 - re-exported

MAX_NAME_LENGTH = 200
"""Longer service names are cut to this many characters."""


class SpanKind(enum.Enum):
    """The role of a span in a remote call; local spans have no kind."""

    CLIENT = "client"
    SERVER = "server"
    PRODUCER = "producer"
    CONSUMER = "consumer"


class NodeKind(enum.Enum):
    """What a node on the map is, as far as the traces tell."""

    SERVICE = "service"
    DATABASE = "database"
    QUEUE = "queue"
    EXTERNAL = "external"


KEY_SEP = "\x1f"
"""Separates the fields of a call key; the first field is always the trace id."""


def trace_of_key(key: str) -> str:
    """The trace id a `Call.key` or `Served.key` was made in."""
    return key.partition(KEY_SEP)[0]


_RECORDS = frozenset({"Span", "Call", "Served"})


def __getattr__(name: str) -> object:
    if name in _RECORDS:
        from topology import records  # noqa: PLC0415 - loaded with the first record asked for

        return getattr(records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
