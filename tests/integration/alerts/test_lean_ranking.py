"""An alert ranks from the series of its candidates only: the same ranking, the same snapshot.

The store also holds distractors: a failing part of the map away from the candidates,
and a caller outside them whose calls into a candidate slowed down.
"""

import gc
import random
import weakref

import pytest

from bot.bootstrap import alert_desk
from bot.commands import INCIDENT_BASELINE_S, INCIDENT_WINDOW_S
from bot.usecases import alert_inputs, ranking_inputs
from bot.usecases import rca as rca_usecase
from bot.usecases.ranking_inputs import WindowInputs
from bot.usecases.rca import (
    gather_for_ranking,
    incident_snapshot,
    lean_snapshot,
    with_every_edge,
)
from tests.integration.alerts.conftest import INCIDENT_AT
from topology.rca import rank
from topology.rca.assemble import incident_windows
from topology.rca.dump import dump_snapshot
from topology.rca.edges import edge_parts
from topology.stats import EdgeStats


def gathered(app, symptom, *, lean):
    """The snapshot ranked for `symptom`: read whole, or lean as an alert reads it."""
    if not lean:
        asked = {"symptom": symptom, "metric": None, "at": INCIDENT_AT}
        windows = {"incident_s": INCIDENT_WINDOW_S, "baseline_s": INCIDENT_BASELINE_S}
        return gather_for_ranking(app.store, app.catalog, **asked, **windows)[1]
    windows = incident_windows(INCIDENT_AT, INCIDENT_WINDOW_S, INCIDENT_BASELINE_S)
    baseline, incident = windows
    inputs = WindowInputs.of(app.store, int(baseline.start), int(incident.end) + 1)
    return lean_snapshot(app.store, inputs, app.catalog, windows, (symptom, None, INCIDENT_AT))


@pytest.mark.parametrize("symptom", ["frontend", "checkout", "payment", "stripe-api", "cart"])
def test_the_lean_snapshot_ranks_as_the_whole_one_and_completes_to_it(make_app, symptom):
    app = make_app()

    whole = gathered(app, symptom, lean=False)
    lean = gathered(app, symptom, lean=True)

    assert rank(lean, symptom) == rank(whole, symptom)
    assert with_every_edge(app.store, lean) == whole


def test_the_lean_snapshot_leaves_out_the_edges_away_from_the_candidates(make_app):
    app = make_app()

    whole = gathered(app, "stripe-api", lean=False)
    lean = gathered(app, "stripe-api", lean=True)

    assert set(lean.edge_series) < set(whole.edge_series)
    assert all("stripe-api" in key for key in lean.edge_series)


DISTRACTORS = (("decoy-a", "decoy-b"), ("decoy-b", "decoy-db"), ("decoy-a", "payment"))


def add_distractors(app):
    """Calls among decoys, and from a decoy into payment, failing and slow in the incident."""
    rng = random.Random(3)  # noqa: S311 - made-up traffic, not secrets
    first = INCIDENT_AT - INCIDENT_BASELINE_S - INCIDENT_WINDOW_S - 60
    for minute in range(first - first % 60, INCIDENT_AT + 1, 60):
        bad = minute >= INCIDENT_AT - INCIDENT_WINDOW_S
        batch = []
        for parent, child in DISTRACTORS:
            stats = EdgeStats(parent, child, calls=50, errors=25 if bad else rng.randint(0, 1))
            for _ in range(10):
                server = rng.gauss(30, 2)
                stats.latency.add(server)
                stats.server.add(server)
                stats.client.add(server + (400 if bad else rng.gauss(2, 0.2)))
            batch.append(stats)
        app.store.ingest_edges(batch, minute_s=minute, source="decoys")


@pytest.mark.parametrize("symptom", ["frontend", "checkout", "payment", "decoy-a"])
def test_the_narrowed_read_ranks_as_the_full_read_beside_distractors(make_app, symptom):
    app = make_app()
    add_distractors(app)

    whole = gathered(app, symptom, lean=False)
    narrow = gathered(app, symptom, lean=True)

    assert rank(narrow, symptom) == rank(whole, symptom)
    candidates = set(narrow.series)
    assert candidates < set(whole.series)
    assert all(not candidates.isdisjoint(edge_parts(key)) for key in narrow.edge_series)
    assert set(narrow.edge_series) <= set(whole.edge_series)
    for cap, size in ((app.settings.snapshot_services, app.settings.snapshot_bytes), (2, 0)):
        saved = incident_snapshot(app.store, narrow, cap, size)
        assert rank(saved, symptom) == rank(narrow, symptom)
        assert set(saved.series) <= set(whole.series)


def test_the_narrowed_read_leaves_out_the_distractors_but_not_the_calls_into_a_candidate(
    make_app,
):
    app = make_app()
    add_distractors(app)

    narrow = gathered(app, "payment", lean=True)

    assert "decoy-b" not in narrow.series
    assert "decoy-db" not in narrow.series
    assert "decoy-a->decoy-b" not in narrow.edge_series
    assert set(narrow.edge_series["decoy-a->payment"].metrics) == {
        "requests",
        "latency_avg_ms",
        "network_ms",
    }
    ranked = rank(narrow, "payment")
    assert "calls from decoy-a into payment" in ranked.candidates[0].evidence


def test_a_second_symptom_of_the_same_window_reads_only_what_it_lacks_and_ranks_the_same(
    make_app,
):
    app = make_app()
    add_distractors(app)
    windows = incident_windows(INCIDENT_AT, INCIDENT_WINDOW_S, INCIDENT_BASELINE_S)
    span = (int(windows[0].start), int(windows[1].end) + 1)
    inputs = WindowInputs.of(app.store, *span)

    for symptom in ("payment", "checkout", "decoy-b"):
        kept = lean_snapshot(app.store, inputs, app.catalog, windows, (symptom, None, INCIDENT_AT))
        fresh = gathered(app, symptom, lean=True)
        assert rank(kept, symptom) == rank(fresh, symptom)
        assert kept == fresh

    assert "decoy-a" not in inputs.read  # calls decoy-b, downstream of none of them
    assert {"payment", "checkout", "decoy-b", "decoy-db"} <= inputs.read


def test_an_alert_reads_its_inputs_and_saves_its_snapshot_with_the_collector_paused(
    make_app, monkeypatch
):
    # A large map's series are a few hundred thousand objects and no cycles: the first
    # alert of a minute reads them all before it can page.
    app = make_app()
    inputs = alert_desk(app).inputs
    seen = {}
    read_for, snapshot_of = WindowInputs.read_for, alert_inputs.incident_snapshot

    def watched_read(self, *args):
        seen["read"] = gc.isenabled()
        return read_for(self, *args)

    def watched_save(*args):
        seen["save"] = gc.isenabled()
        return snapshot_of(*args)

    monkeypatch.setattr(WindowInputs, "read_for", watched_read)
    monkeypatch.setattr(alert_inputs, "incident_snapshot", watched_save)

    assert gc.isenabled()
    _, snapshot = inputs.lean("checkout", INCIDENT_AT)
    assert gc.isenabled()
    assert inputs.to_save(snapshot).symptom == snapshot.symptom
    assert gc.isenabled()
    assert seen == {"read": False, "save": False}


class _Buckets(dict):
    """A service read that can be watched for when it is let go."""


@pytest.mark.parametrize("symptom", ["frontend", "stripe-api"])
def test_the_services_buckets_are_let_go_before_the_calls_are_read(make_app, monkeypatch, symptom):
    # On a large map the buckets are hundreds of MB as objects: held while the calls are
    # read, they more than doubled what a question at the root of 5,000 services needed.
    app = make_app()
    store = app.store
    reads = {"service_series": store.service_series}
    alive = []

    def services_read(*args, **kwargs):
        found = _Buckets(reads["service_series"](*args, **kwargs))
        alive.append(weakref.ref(found))
        return found

    def watched(name):
        read = getattr(store, name)

        def calls_read(*args, **kwargs):
            reads[name] = [ref() is None for ref in alive]
            return read(*args, **kwargs)

        return calls_read

    for name in ("edge_timings", "calls_around", "incoming_series"):
        monkeypatch.setattr(store, name, watched(name))
    monkeypatch.setattr(store, "service_series", services_read)
    whole = gathered(app, symptom, lean=False)
    lean = gathered(app, symptom, lean=True)

    assert rank(lean, symptom) == rank(whole, symptom)
    let_go = [reads[name] for name in ("edge_timings", "calls_around") if name in reads]
    assert let_go
    assert all(gone == [True] * len(gone) and gone for gone in let_go)


@pytest.mark.parametrize("symptom", ["stripe-api", "decoy-a", "decoy-b", "frontend"])
def test_minutes_read_as_columns_give_the_snapshot_read_as_objects_gives(
    make_app, monkeypatch, symptom
):
    # A large map's minutes are read as columns (`service_minutes`, `edge_minutes`), a
    # small one's as objects.
    app = make_app()
    add_distractors(app)
    as_objects = gathered(app, symptom, lean=True)
    columns = []

    def watched(name):
        read = getattr(app.store, name)

        def read_as_columns(*args, **kwargs):
            found = read(*args, **kwargs)
            columns.append((name, kwargs.get("timings", False), found))
            return found

        return read_as_columns

    for name in ("service_minutes", "edge_minutes"):
        monkeypatch.setattr(app.store, name, watched(name))
    monkeypatch.setattr(ranking_inputs, "TOGETHER_FROM", 0)
    as_columns = gathered(app, symptom, lean=True)

    assert as_columns == as_objects
    assert rank(as_columns, symptom) == rank(as_objects, symptom)
    mostly_served = symptom == "frontend"  # its downstream serves: the timings alone
    assert [(name, timings) for name, timings, _ in columns] == [
        ("service_minutes", False),
        ("edge_minutes", mostly_served),
    ]
    assert all(found is not None for _, _, found in columns)
    assert len(columns[1][2].key)


@pytest.mark.parametrize("symptom", ["decoy-a", "frontend"])
def test_an_incident_snapshot_read_as_columns_is_the_one_read_as_objects(
    make_app, monkeypatch, symptom
):
    app = make_app()
    add_distractors(app)
    lean = gathered(app, symptom, lean=True)
    cap, size = app.settings.snapshot_services, app.settings.snapshot_bytes
    as_objects = (incident_snapshot(app.store, lean, cap, size), with_every_edge(app.store, lean))
    read = app.store.edge_minutes
    columns = []

    def read_as_columns(*args, **kwargs):
        found = read(*args, **kwargs)
        columns.append(found)
        return found

    monkeypatch.setattr(app.store, "edge_minutes", read_as_columns)
    monkeypatch.setattr(rca_usecase, "TOGETHER_FROM", 0)
    as_columns = (incident_snapshot(app.store, lean, cap, size), with_every_edge(app.store, lean))

    assert as_columns == as_objects
    assert dump_snapshot(as_columns[0]) == dump_snapshot(as_objects[0])  # key order too
    assert len(columns) == 2
    assert all(found is not None and len(found.key) for found in columns)
