"""What a separate OS process runs in the compaction tests: open the store, compact once."""

from __future__ import annotations

from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

from bot.adapters.store import Store, make_engine
from topology.retention import Retention


def compact(
    url: str, now_s: int, retention: Retention, start: Barrier, results: Queue[object]
) -> None:
    """Wait for every contender, compact once, put the minute rows it moved on `results`."""
    engine = make_engine(url)
    try:
        store = Store(engine)
        start.wait(timeout=30)
        results.put(store.compact(now_s=now_s, retention=retention).minutes.rows)
    finally:
        engine.dispose()
