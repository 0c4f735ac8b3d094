"""Which stretch of time a refresh pass asks each source for."""

from __future__ import annotations

MINUTE = 60
MAX_MINUTES = 60
"""Minutes an edge source is asked for in one pass; a source far behind catches up over passes."""


def trace_window(
    high_water: int | None, now_s: int, *, interval_s: int, overlap_s: int
) -> tuple[int, int]:
    """`[high_water - overlap, now]`, in epoch seconds; `[now - interval, now]` the first time.

    The overlap asks again for spans that arrived late; the store counts each call once.
    """
    if high_water is None:
        return max(0, now_s - interval_s), now_s
    return max(0, high_water - overlap_s), now_s


def edge_minutes(
    high_water: int | None, now_s: int, *, interval_s: int, overlap_s: int
) -> list[int]:
    """Starts of the whole minutes to ask an edge source for, oldest first.

    The same window as `trace_window`, cut into minutes that have ended; at most
    `MAX_MINUTES` of them, the oldest, so that the high water moves on step by step.
    """
    start, end = trace_window(high_water, now_s, interval_s=interval_s, overlap_s=overlap_s)
    first = start - start % MINUTE
    last = end - end % MINUTE  # the minute still running is left for the next pass
    return list(range(first, last, MINUTE))[:MAX_MINUTES]
