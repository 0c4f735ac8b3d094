"""The words and numbers a picture shows, also offered as rows for a text fallback."""

from __future__ import annotations

from topology.picture.select import Omitted, Selection
from topology.stats import EdgeStats

P95 = 0.95

FALLBACK_HEADERS = ("caller", "callee", "rate", "errors", "p95")
"""Column headers of `fallback_rows`."""


def rate(stats: EdgeStats, window_seconds: int | None) -> str:
    """Calls per second over the window when it is known, else the count of calls."""
    if not window_seconds or window_seconds <= 0:
        return f"{stats.calls:,} calls"
    per_second = stats.calls / window_seconds
    return f"{per_second:.1f}/s" if per_second < 10 else f"{per_second:,.0f}/s"  # noqa: PLR2004 - one decimal below ten


def error_percent(stats: EdgeStats) -> str:
    """The edge's errors as a percentage of its calls."""
    return f"{stats.error_rate * 100:.1f}%"


def p95(stats: EdgeStats) -> str:
    """The edge's 95th percentile latency, or a dash when nothing was measured."""
    value = stats.latency.quantile_ms(P95)
    if value is None:
        return "-"
    return f"{value:.1f} ms" if value < 10 else f"{value:,.0f} ms"  # noqa: PLR2004 - one decimal below ten


def edge_label(stats: EdgeStats, window_seconds: int | None) -> str:
    """`rate · error % · p95` of an edge, as one line of plain text."""
    return f"{rate(stats, window_seconds)} \u00b7 {error_percent(stats)} \u00b7 p95 {p95(stats)}"


def omitted_note(omitted: Omitted) -> str:
    """A sentence on what the picture left out, or "" when it left out nothing."""
    if not omitted:
        return ""
    parts = []
    if omitted.nodes:
        parts.append(_count(omitted.nodes, "node"))
    if omitted.edges:
        parts.append(_count(omitted.edges, "edge"))
    note = f"Not drawn: {' and '.join(parts)}"
    if omitted.biggest:
        note += f"; busiest left out: {', '.join(omitted.biggest)}"
        if omitted.nodes > len(omitted.biggest):
            note += ", \u2026"
    return note


def fallback_rows(
    selection: Selection, window_seconds: int | None
) -> list[tuple[str, str, str, str, str]]:
    """The selection's edges as text rows (see `FALLBACK_HEADERS`), for when drawing fails."""
    return [
        (stats.parent, stats.child, rate(stats, window_seconds), error_percent(stats), p95(stats))
        for stats in selection.edges
    ]


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")
