"""The ports a live refresh reads through: traces, edges summed elsewhere, signals, a catalog."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from topology.model import Span
from topology.ownership import Catalog
from topology.signals.model import MetricPoint
from topology.stats import EdgeStats


@runtime_checkable
class TraceSource(Protocol):
    """A tracing backend that answers which services it knows and their recent spans."""

    name: str

    def services(self) -> list[str]:
        """The names of the services the backend has traces of."""
        ...

    def traces(self, *, start_us: int, end_us: int, limit: int) -> list[Span]:
        """The spans of traces between two epoch-microsecond instants.

        `limit` bounds the traces asked for in each search (per service where the
        backend searches per service). A span may come twice: the store dedupes.
        """
        ...


@runtime_checkable
class EdgeSource(Protocol):
    """A backend that already sums calls into edges (dependency links, service graphs)."""

    name: str

    def edges(self, *, start_s: int, end_s: int) -> list[EdgeStats]:
        """The edges seen between two epoch-second instants, with what is known of them."""
        ...


@dataclass(frozen=True, slots=True)
class SignalRead:
    """What a signal source gave for some minutes: the points, and what it left out."""

    points: list[MetricPoint]
    unlabelled: int = 0
    """Series left out for want of a service's name."""
    unusable: int = 0
    """Samples left out: not a finite number, or outside the minutes asked for."""


@runtime_checkable
class SignalSource(Protocol):
    """A metrics backend that answers each service's signals (CPU, memory...) per minute."""

    name: str
    signals: tuple[str, ...]
    """The metric names it answers, each asked for apart."""

    def points(self, signal: str, *, start_s: int, end_s: int) -> SignalRead:
        """A signal's values per service in the whole minutes between two instants."""
        ...


@dataclass(frozen=True, slots=True)
class CatalogRead:
    """A catalog as a source gave it: how many entities it read, and why any was left out."""

    catalog: Catalog
    entities: int
    notes: tuple[str, ...] = ()


@runtime_checkable
class CatalogSource(Protocol):
    """A service catalog that says who owns what and what each service depends on."""

    name: str

    def read(self) -> CatalogRead:
        """The whole catalog, as it is now."""
        ...
