"""The numbers of one edge that every answer shows."""

from __future__ import annotations

from dataclasses import dataclass

from topology.queries.jsonable import as_dict
from topology.stats import EdgeStats


@dataclass(frozen=True, slots=True)
class EdgeNumbers:
    """Calls, errors and p95 latency of one edge over the window asked about."""

    calls: int
    errors: int
    error_rate: float
    p95_ms: float | None

    @classmethod
    def of(cls, stats: EdgeStats) -> EdgeNumbers:
        """The numbers of an edge's statistics."""
        return cls(stats.calls, stats.errors, stats.error_rate, stats.latency.quantile_ms(0.95))

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)
