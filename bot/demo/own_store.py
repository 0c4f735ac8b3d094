"""Whether a store is the demo's own, and where a demo run on it resumes its history."""

from __future__ import annotations

from collections.abc import Iterable

from bot.demo.shop import PEERS, SERVICES

SHOP = frozenset(SERVICES + PEERS)
"""Every node the demo's traffic makes."""
MINUTE_S = 60


def foreign_nodes(names: Iterable[str]) -> list[str]:
    """The nodes of a store that the shop lacks: with any, the store is not the demo's."""
    return sorted(set(names) - SHOP)


def resume_at(last_bucket_s: int | None) -> float:
    """When the history a demo sends starts at the latest: after a former run's last minute."""
    return 0.0 if last_bucket_s is None else float(last_bucket_s + MINUTE_S)
