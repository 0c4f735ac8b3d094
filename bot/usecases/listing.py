"""List the stored edges with their numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.adapters.store.ports import MapStore
    from bot.usecases.windows import Window
    from topology.stats import EdgeStats


def edge_to_dict(edge: EdgeStats) -> dict[str, object]:
    """An edge's numbers as plain data (the `svcmap edges --json` shape)."""
    return {
        "parent": edge.parent,
        "child": edge.child,
        "calls": edge.calls,
        "errors": edge.errors,
        "error_rate": round(edge.error_rate, 6),
        "latency_p50_ms": _rounded(edge.latency.quantile_ms(0.5)),
        "latency_p95_ms": _rounded(edge.latency.quantile_ms(0.95)),
        "latency_avg_ms": _rounded(edge.latency.avg_ms),
        "child_kind": edge.child_kind.value if edge.child_kind else None,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def busiest_edges(store: MapStore, window: Window) -> list[EdgeStats]:
    """The edges with traffic in `window` as `store` holds them, busiest first."""
    edges = store.edges(window.start, window.end)
    return sorted(edges, key=lambda e: (-e.calls, e.parent, e.child))
