"""What `risk` reads besides the map: budget window counts, and the edges of a window."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from bot.adapters.store import Store
from bot.adapters.store.rows import edge_row, service_row
from bot.adapters.store.schema import edge_buckets, edge_hours, service_buckets, service_hours
from bot.adapters.store.slices import WindowCounts, seen_edges
from topology.queries.burn import slow_count, slow_from
from topology.stats import EdgeStats, ServiceStats

HOUR = 3_600
END = 1_800_000_000 - 1_800_000_000 % HOUR
WINDOWS = (300, 1_800, HOUR, 6 * HOUR, 24 * HOUR)
SLOW_MS = 250.0


def stats(rng: random.Random, service: str) -> ServiceStats:
    served = ServiceStats(service, rng.randint(0, 40), 0)
    served.errors = rng.randint(0, served.requests)
    for _ in range(rng.randint(0, 8)):
        served.latency.add(rng.choice((3.0, 40.0, 240.0, 260.0, 900.0, 4_000.0)))
    return served


def fill(engine: Engine, seed: int) -> None:
    """Minutes over the last 7 hours (some services only long ago), hours before that."""
    rng = random.Random(seed)  # noqa: S311 - test data
    minutes, hours = [], []
    for start in range(END - 7 * HOUR, END + 120, 60):  # two minutes past the end, left out
        for service in ("cart", "web", "old"):
            if service == "old" and start >= END - 2 * HOUR:
                continue
            if rng.random() < 0.7:
                minutes.append(service_row(stats(rng, service), 60, start))
    for start in range(END - 30 * HOUR, END - 7 * HOUR, HOUR):
        for service in ("cart", "ancient"):
            row = service_row(stats(rng, service), HOUR, start)
            del row["resolution"]
            hours.append(row)
    with engine.begin() as connection:
        connection.execute(insert(service_buckets), minutes)
        connection.execute(insert(service_hours), hours)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_each_window_counts_what_a_read_of_that_window_alone_sums(engine, seed):
    fill(engine, seed)
    store = Store(engine)
    found = WindowCounts(engine).read(END, WINDOWS, slow_from(SLOW_MS))
    assert set(found) == set(WINDOWS)
    for length in WINDOWS:
        alone = {
            s.service: (s.requests, s.errors, slow_count(s, SLOW_MS))
            for s in store.services(END - length, END)
        }
        assert found[length] == alone, length


def test_a_service_seen_only_long_ago_is_in_the_long_windows_only(engine):
    fill(engine, 1)
    found = WindowCounts(engine).read(END, WINDOWS, slow_from(SLOW_MS))
    assert "old" not in found[HOUR]
    assert "old" in found[6 * HOUR]
    assert "ancient" in found[24 * HOUR]
    assert "ancient" not in found[6 * HOUR]


def test_no_window_reads_nothing_and_a_window_of_no_length_is_refused(engine):
    assert WindowCounts(engine).read(END, (), 0) == {}
    with pytest.raises(ValueError, match="above 0"):
        WindowCounts(engine).read(END, (0, 300), 0)


def test_an_empty_store_has_empty_windows(engine):
    assert WindowCounts(engine).read(END, (300, HOUR), 3) == {300: {}, HOUR: {}}


def test_the_edges_seen_in_a_window_come_from_every_tier_and_only_from_it(engine):
    minutes = [
        edge_row(EdgeStats("web", "cart", calls=3), 60, END - 120),
        edge_row(EdgeStats("web", "cart", calls=3), 60, END - 60),
        edge_row(EdgeStats("web", "late", calls=3), 60, END),  # at the end: left out
    ]
    hours = [
        edge_row(EdgeStats("web", "search", calls=5), HOUR, END - 3 * HOUR),
        edge_row(EdgeStats("cart", "db", calls=0), HOUR, END - 2 * HOUR),
        edge_row(EdgeStats("web", "early", calls=5), HOUR, END - 9 * HOUR),  # before the start
    ]
    for row in hours:
        del row["resolution"]
    with engine.begin() as connection:
        connection.execute(insert(edge_buckets), minutes)
        connection.execute(insert(edge_hours), hours)
    found = seen_edges(engine, END - 8 * HOUR, END)
    assert found == {("web", "cart"), ("web", "search"), ("cart", "db")}
    assert seen_edges(engine, END + HOUR, END + 2 * HOUR) == set()
