"""Sums in time slices without histograms: what the early warning pass and `risk` read.

Per service, and per edge named `parent->child`, the requests (or calls), errors and
latency sum and count of the buckets (every tier) starting in each slice of a window: one
query per kind for the whole window, grouped in the database. For budgets, per service,
its requests, errors and slow requests over several windows ending together: one query
over the longest, each bucket counted in the shortest window holding it. For new edges,
the edges (caller, callee) with any bucket in a window, nothing of them summed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import case, func, literal, select, union_all

from bot.adapters.store.columns import HISTOGRAM_COLUMNS
from bot.adapters.store.incidents import transaction
from bot.adapters.store.reads import EDGE_TIERS, SERVICE_TIERS, Query, window

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Engine

Sums: TypeAlias = tuple[int, int, float, int]
"""Requests (or calls), errors, latency sum (ms) and latency count."""
BySlice: TypeAlias = dict[str, dict[int, Sums]]
"""Per service or edge `parent->child`, per slice start, its sums."""
Counts: TypeAlias = tuple[int, int, int]
"""Requests, errors, and requests in the latency histogram's buckets from a given one up."""
ByWindow: TypeAlias = dict[int, dict[str, Counts]]
"""Per window length (s), per service, its counts."""

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


def window_counts(end_s: int, windows: Sequence[int], slow_from: int) -> Query:
    """Per service and window: service, window, requests, errors and slow requests.

    The window is the index, in `windows` sorted going up, of the shortest holding the
    bucket's start; slow requests are those in histogram buckets `slow_from` and up. Over
    the buckets with `end_s - max(windows) <= start < end_s`.
    """
    lengths = sorted(windows)
    slow_columns = HISTOGRAM_COLUMNS[slow_from:]
    parts = []
    for table in SERVICE_TIERS:
        shortest = case(
            *((table.c.start >= end_s - length, index) for index, length in enumerate(lengths)),
            else_=len(lengths) - 1,
        )
        slow = sum((table.c[name] for name in slow_columns), literal(0))
        parts.append(
            select(
                table.c.service,
                shortest.label("part"),
                table.c.requests,
                table.c.errors,
                slow.label("slow"),
            ).where(*window(table, end_s - lengths[-1], end_s))
        )
    rows = union_all(*parts).subquery()
    grouped = (rows.c.service, rows.c.part)
    summed = (func.sum(rows.c.requests), func.sum(rows.c.errors), func.sum(rows.c.slow))
    return select(*grouped, *summed).group_by(*grouped)


def edge_keys(start_s: int, end_s: int) -> Query:
    """The distinct (parent, child) of the edge buckets of every tier starting in the window."""
    rows = union_all(
        *(
            select(table.c.parent, table.c.child).where(*window(table, start_s, end_s))
            for table in EDGE_TIERS
        )
    ).subquery()
    return select(rows.c.parent, rows.c.child).distinct()


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


class WindowCounts:
    """Reads, from one database, services' counts over windows ending together."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def read(self, end_s: int, windows: Sequence[int], slow_from: int) -> ByWindow:
        """Per length in `windows` (each above 0), per service, its counts in that window.

        A service is in a window when a bucket of its starts in `end_s - length <= start <
        end_s`; its counts are requests, errors, and requests in latency histogram buckets
        `slow_from` and up.
        """
        lengths = sorted(set(windows))
        if not lengths:
            return {}
        if lengths[0] <= 0:
            raise ValueError(f"window lengths must be above 0, not {lengths[0]}")
        parts: dict[str, list[Counts | None]] = {}
        with transaction(self._engine, writes=False) as connection:
            for row in connection.execute(window_counts(end_s, lengths, slow_from)):
                by_part = parts.setdefault(row[0], [None] * len(lengths))
                by_part[int(row[1])] = (int(row[2] or 0), int(row[3] or 0), int(row[4] or 0))
        found: ByWindow = {length: {} for length in lengths}
        for service, by_part in parts.items():
            total: Counts | None = None
            for length, part in zip(lengths, by_part, strict=True):
                if part is not None:
                    total = part if total is None else _plus(total, part)
                if total is not None:
                    found[length][service] = total
        return found


def _plus(a: Counts, b: Counts) -> Counts:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]


def seen_edges(engine: Engine, start_s: int, end_s: int) -> set[tuple[str, str]]:
    """The edges (caller, callee) with a bucket starting in `start_s <= start < end_s`."""
    with transaction(engine, writes=False) as connection:
        return {(row[0], row[1]) for row in connection.execute(edge_keys(start_s, end_s))}


class BudgetReads:
    """The counts of budget windows and the edges seen, from one database (`BudgetHistory`)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def window_counts(self, end_s: int, windows: Sequence[int], slow_from: int) -> ByWindow:
        """As `WindowCounts.read`."""
        return WindowCounts(self._engine).read(end_s, windows, slow_from)

    def seen_edges(self, start_s: int, end_s: int) -> set[tuple[str, str]]:
        """As `seen_edges`, on this database."""
        return seen_edges(self._engine, start_s, end_s)
