"""What a separate OS process runs in the lease tests: open the store, try the lease once."""

from __future__ import annotations

from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

from bot.adapters.store import make_engine
from bot.adapters.store.sources_state import SourceStates


def contend(url: str, holder: str, now_s: int, start: Barrier, results: Queue[object]) -> None:
    """Wait for every contender, try the `refresh` lease, put `(holder, won)` on `results`."""
    engine = make_engine(url)
    try:
        states = SourceStates(engine)
        start.wait(timeout=30)
        results.put((holder, states.try_lease("refresh", holder, now_s, 180)))
    finally:
        engine.dispose()
