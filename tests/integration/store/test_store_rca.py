"""The alert path's lean evidence ranks as the full snapshot does, on the same stored buckets.

The lean path reads the services' series and the calls into nodes that served nothing;
the full path reads every edge's series. Both must give the same series, the same
ranking and, once the edge series are added, the same snapshot.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from bot.adapters.store import Store
from bot.adapters.store.sqlite_reader import open_reader
from bot.bootstrap import build_app, import_desk
from bot.settings import load_settings
from bot.usecases.importing import import_file
from bot.usecases.map_questions import load_graph
from bot.usecases.rca import add_edge_series, gather_for_ranking, rank_from_store
from bot.usecases.windows import Window
from tests.conftest import REPO
from tests.whole_snapshots import assemble_snapshot
from topology.catalog_yaml import load_catalog
from topology.ownership import Catalog
from topology.rca import Snapshot, rank
from topology.rca.assemble import incident_windows
from topology.rca.snapshot import Symptom
from topology.redaction import Redaction
from topology.retention import DAY, HOUR, Retention
from topology.stats import EdgeStats

SHOP_INCIDENT = 1_777_602_600
"""2026-05-01T02:30:00Z, the end of the sample shop's injected payment failures."""
SHOP_QUIET = 1_777_600_200
"""2026-05-01T01:50:00Z, before the failures."""
HOUR0 = 1_699_920_000
"""Midnight UTC, the first hour the random map stores calls in."""


def full_snapshot(
    store: Store, catalog: Catalog, symptom: str, *, at: int, window: int, baseline: int
) -> Snapshot:
    """The snapshot as assembled from every service's and every edge's series."""
    windows = incident_windows(at, window, baseline)
    span = Window(int(windows[0].start), int(windows[1].end) + 1)
    graph = load_graph(store, span)
    return assemble_snapshot(
        graph,
        catalog,
        Symptom(graph.resolve(symptom), None, at=at),
        windows=windows,
        services=store.service_series(span.start, span.end),
        edges=store.edge_series(span.start, span.end),
    )


def assert_ranks_alike(
    store: Store, catalog: Catalog, symptom: str, *, at: int, window: int, baseline: int
) -> None:
    full = full_snapshot(store, catalog, symptom, at=at, window=window, baseline=baseline)
    _, lean = gather_for_ranking(
        store,
        catalog,
        symptom=symptom,
        metric=None,
        at=at,
        incident_s=window,
        baseline_s=baseline,
    )

    assert lean.series == full.series
    assert rank(lean, symptom) == rank(full, symptom)
    assert add_edge_series(store, lean) == full
    asked = SimpleNamespace(store=store, catalog=catalog, redaction=Redaction())
    assert rank_from_store(asked, symptom, at, window, baseline) == rank(full, symptom)


@pytest.fixture
def shop_store(database_url: str) -> Iterator[Store]:
    """A store holding the sample shop's traces."""
    with build_app(load_settings(database_url=database_url)) as app:
        for path in sorted((REPO / "samples" / "traces").glob("*.json")):
            import_file(import_desk(app), path)
        yield app.store


@pytest.mark.parametrize("symptom", ["frontend", "checkout", "payment", "stripe-api"])
@pytest.mark.parametrize("at", [SHOP_INCIDENT, SHOP_QUIET])
def test_the_shop_ranks_alike_from_the_lean_and_the_full_snapshot(shop_store, symptom, at):
    path = REPO / "samples" / "owners.yaml"
    catalog = load_catalog(path.read_text(), source=str(path))

    assert_ranks_alike(shop_store, catalog, symptom, at=at, window=20 * 60, baseline=60 * 60)


@pytest.mark.parametrize("at", [SHOP_INCIDENT, SHOP_QUIET])
def test_the_read_only_reader_ranks_the_shop_as_the_store_does(shop_store, database_url, at):
    reader = open_reader(database_url)
    if reader is None:
        pytest.skip("the read-only reader reads SQLite files alone")
    catalog = Catalog(owners={})
    try:
        for symptom in ("frontend", "checkout", "payment", "stripe-api"):
            by_reader = SimpleNamespace(store=reader, catalog=catalog, redaction=Redaction())
            by_store = SimpleNamespace(store=shop_store, catalog=catalog, redaction=Redaction())
            ranked = rank_from_store(by_reader, symptom, at, 20 * 60, 60 * 60)

            assert ranked == rank_from_store(by_store, symptom, at, 20 * 60, 60 * 60)
            assert at == SHOP_QUIET or ranked.candidates
    finally:
        reader.close()


def test_many_callers_of_virtual_nodes_across_tiers_sum_alike(store):
    """Nodes called by several callers, with minutes and hours kept, as float sums go."""
    rng = random.Random(11)  # noqa: S311 - test data, not secrets
    names = [f"svc-{i:02d}" for i in range(12)]
    for minute in range(0, 3 * 60, 3):
        batch = []
        for child in range(1, len(names)):
            for parent in rng.sample(range(child), min(child, 4)):
                stats = EdgeStats(names[parent], names[child], calls=rng.randint(1, 9))
                stats.errors = rng.randint(0, stats.calls)
                for _ in range(stats.calls):
                    stats.latency.add(rng.uniform(0.1, 3_000.0))
                    stats.client.add(rng.uniform(0.1, 3_000.0))
                batch.append(stats)
        batch.append(EdgeStats(names[3], names[3], calls=2))
        store.ingest_edges(batch, minute_s=HOUR0 + minute * 60, source="test")
        if minute == 0:
            first = batch
    store.compact(now_s=HOUR0 + 2 * HOUR, retention=Retention(HOUR, DAY, 30 * DAY))
    # A minute imported late into an hour already compacted: two tiers, one start.
    store.ingest_edges(first[::2], minute_s=HOUR0, source="test")
    catalog = Catalog(owners={})

    for symptom in ("svc-00", "svc-03", "svc-07"):
        assert_ranks_alike(
            store, catalog, symptom, at=HOUR0 + 3 * HOUR, window=15 * 60, baseline=3 * HOUR
        )
