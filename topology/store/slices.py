"""Sums in time slices without histograms: what the early warning pass reads of the store.

Per service, and per edge named `parent->child`, the requests (or calls), errors and
latency sum and count of the buckets (every tier) starting in each slice of a window: one
query per kind for the whole window, grouped in the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import func, select, union_all

from topology.store.incidents import transaction
from topology.store.reads import EDGE_TIERS, SERVICE_TIERS, Query, window

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Engine

Sums: TypeAlias = tuple[int, int, float, int]
"""Requests (or calls), errors, latency sum (ms) and latency count."""
BySlice: TypeAlias = dict[str, dict[int, Sums]]
"""Per service or edge `parent->child`, per slice start, its sums."""

_EDGE = ("calls", "errors", "lat_sum_ms", "lat_count")
_SERVICE = ("requests", "errors", "lat_sum_ms", "lat_count")


def service_slices(start_s: int, end_s: int, width_s: int) -> Query:
    """Per service and slice: service, slice index, then the `_SERVICE` sums."""
    return _sliced(
        SERVICE_TIERS, ("service",), _SERVICE, start_s=start_s, end_s=end_s, width_s=width_s
    )


def edge_slices(start_s: int, end_s: int, width_s: int) -> Query:
    """Per edge and slice: parent, child, slice index, then the `_EDGE` sums."""
    return _sliced(
        EDGE_TIERS, ("parent", "child"), _EDGE, start_s=start_s, end_s=end_s, width_s=width_s
    )


def _sliced(
    tiers: tuple[Table, ...],
    keys: tuple[str, ...],
    values: tuple[str, ...],
    *,
    start_s: int,
    end_s: int,
    width_s: int,
) -> Query:
    rows = union_all(
        *(
            select(
                *(table.c[key] for key in keys),
                ((table.c.start - start_s) // width_s).label("slice"),
                *(table.c[value] for value in values),
            ).where(*window(table, start_s, end_s))
            for table in tiers
        )
    ).subquery()
    grouped = (*(rows.c[key] for key in keys), rows.c.slice)
    return select(*grouped, *(func.sum(rows.c[value]) for value in values)).group_by(*grouped)


def sums(values: Sequence[Any]) -> Sums:
    """The `Sums` of a row's summed values (None, from no rows, as zero)."""
    requests, errors, lat_sum, lat_count = values
    return int(requests or 0), int(errors or 0), float(lat_sum or 0.0), int(lat_count or 0)


class SliceReader:
    """Reads sums in slices from one database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def read(self, start_s: int, end_s: int, width_s: int) -> BySlice:
        """Per service and edge `parent->child`, its sums in each `width_s` slice from `start_s`.

        Keyed by slice start; the buckets starting in `start_s <= start < end_s`.
        """
        found: BySlice = {}
        with transaction(self._engine, writes=False) as connection:
            for row in connection.execute(service_slices(start_s, end_s, width_s)):
                at = start_s + int(row[1]) * width_s
                found.setdefault(row[0], {})[at] = sums(row[2:])
            for row in connection.execute(edge_slices(start_s, end_s, width_s)):
                at = start_s + int(row[2]) * width_s
                found.setdefault(f"{row[0]}->{row[1]}", {})[at] = sums(row[3:])
        return found
