"""What the map questions read of a store: the port both store adapters implement."""

from __future__ import annotations

from typing import Protocol

from topology.stats import EdgeStats, Node, ServiceStats


class MapStore(Protocol):
    """A read-only view of the map: its nodes, and edges and services summed over a window."""

    def edges(self, start_s: int | None = None, end_s: int | None = None) -> list[EdgeStats]:
        """Every edge with its statistics summed over `start_s <= bucket start < end_s`."""
        ...

    def services(self, start_s: int | None = None, end_s: int | None = None) -> list[ServiceStats]:
        """Every service with its served requests summed over the window."""
        ...

    def nodes(self) -> list[Node]:
        """Every node ever seen, instrumented or virtual."""
        ...

    def holds_buckets(self, start_s: int, end_s: int) -> bool:
        """Whether any edge or service bucket starts in `start_s <= start < end_s`."""
        ...

    def time_range(self) -> tuple[int, int] | None:
        """The first and last bucket start stored, in any tier, or None when the store is empty."""
        ...
