"""What changed between two windows of the map."""

from __future__ import annotations

from dataclasses import dataclass

from topology.graph import ServiceGraph
from topology.queries.jsonable import as_dict
from topology.stats import EdgeStats


@dataclass(frozen=True, slots=True)
class EdgeChange:
    """An edge seen in only one window, with its calls there."""

    parent: str
    child: str
    calls: int

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


@dataclass(frozen=True, slots=True)
class ErrorJump:
    """An edge whose error rate went up."""

    parent: str
    child: str
    before_rate: float
    after_rate: float
    before_calls: int
    after_calls: int

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


@dataclass(frozen=True, slots=True)
class LatencyJump:
    """An edge whose p95 latency went up."""

    parent: str
    child: str
    before_p95_ms: float
    after_p95_ms: float
    before_calls: int
    after_calls: int

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


@dataclass(frozen=True, slots=True)
class DiffResult:
    """Edges and services that appeared or vanished, and edges that got worse, worst first."""

    new_edges: tuple[EdgeChange, ...]
    vanished_edges: tuple[EdgeChange, ...]
    error_jumps: tuple[ErrorJump, ...]
    latency_jumps: tuple[LatencyJump, ...]
    new_services: tuple[str, ...]
    vanished_services: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


def diff(
    before: ServiceGraph,
    after: ServiceGraph,
    *,
    min_calls: int = 10,
    error_rate_jump: float = 0.05,
    latency_ratio: float = 1.5,
    latency_floor_ms: float = 5.0,
) -> DiffResult:
    """Compare the map of one window (`before`) with another (`after`)."""
    old = {(stats.parent, stats.child): stats for stats in before.edges()}
    new = {(stats.parent, stats.child): stats for stats in after.edges()}
    errors: list[ErrorJump] = []
    latencies: list[LatencyJump] = []
    for key in old.keys() & new.keys():
        was, now = old[key], new[key]
        if was.calls < min_calls or now.calls < min_calls:
            continue
        if _error_jumped(was, now, error_rate_jump):
            errors.append(
                ErrorJump(
                    parent=key[0],
                    child=key[1],
                    before_rate=was.error_rate,
                    after_rate=now.error_rate,
                    before_calls=was.calls,
                    after_calls=now.calls,
                )
            )
        was_p95, now_p95 = was.latency.quantile_ms(0.95), now.latency.quantile_ms(0.95)
        if (
            was_p95 is not None
            and now_p95 is not None
            and now_p95 >= was_p95 * latency_ratio
            and now_p95 - was_p95 >= latency_floor_ms
        ):
            latencies.append(
                LatencyJump(
                    parent=key[0],
                    child=key[1],
                    before_p95_ms=was_p95,
                    after_p95_ms=now_p95,
                    before_calls=was.calls,
                    after_calls=now.calls,
                )
            )
    errors.sort(key=lambda jump: (jump.before_rate - jump.after_rate, jump.parent, jump.child))
    latencies.sort(
        key=lambda jump: (jump.before_p95_ms - jump.after_p95_ms, jump.parent, jump.child)
    )
    return DiffResult(
        new_edges=_only_in(new, old),
        vanished_edges=_only_in(old, new),
        error_jumps=tuple(errors),
        latency_jumps=tuple(latencies),
        new_services=tuple(sorted(set(after.names()) - set(before.names()))),
        vanished_services=tuple(sorted(set(before.names()) - set(after.names()))),
    )


def _error_jumped(was: EdgeStats, now: EdgeStats, jump: float) -> bool:
    return now.error_rate - was.error_rate >= jump and now.error_rate >= 2 * was.error_rate


def _only_in(
    these: dict[tuple[str, str], EdgeStats], those: dict[tuple[str, str], EdgeStats]
) -> tuple[EdgeChange, ...]:
    """Edges of `these` missing from `those`, most calls first."""
    changes = [EdgeChange(*key, these[key].calls) for key in these.keys() - those.keys()]
    return tuple(sorted(changes, key=lambda change: (-change.calls, change.parent, change.child)))
