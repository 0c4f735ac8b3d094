"""Before `svcmap demo` runs on a store: refuse one that is not its own, find its resume time."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from bot.adapters.store.engine import masked
from bot.adapters.store.ports import MapStore
from bot.demo.own_store import foreign_nodes, resume_at
from topology.errors import SvcmapError

SHOWN = 5
"""How many of a store's foreign services a refusal names."""


def demo_resume_at(store: MapStore, database_url: str) -> float:
    """When the demo's history may start on `store`; SvcmapError when it is not the demo's.

    `database_url` is where the store is, named (its password masked) in the refusal.
    """
    foreign = foreign_nodes(node.name for node in store.nodes())
    if foreign:
        named = ", ".join(foreign[:SHOWN]) + (", ..." if len(foreign) > SHOWN else "")
        raise SvcmapError(
            f"the store at {masked(make_url(database_url))} holds services the"
            f" demo's shop does not ({named}): the demo will not mix its traffic into them."
            " Give it a store of its own with --db URL or SVCMAP_DATABASE_URL"
            " (svcmap --db sqlite:///var/demo.db demo), and ask it with the same"
        )
    stored = store.time_range()
    return resume_at(None if stored is None else stored[1])
