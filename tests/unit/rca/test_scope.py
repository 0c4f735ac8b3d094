"""Snapshots cut to the symptom's neighbourhood: what ranking reads, the blast radius, a cap."""

import json
from dataclasses import replace

from tests.unit.rca.factories import latency, snapshot
from topology.rca import load_snapshot, rank
from topology.rca.dump import dump_snapshot
from topology.rca.scope import around_symptom
from topology.rca.snapshot import Series, Symptom

# edge -> api -> db, api -> cache; admin -> db; batch -> report (unrelated to api).
EDGES = [
    ("edge", "api"),
    ("api", "db"),
    ("api", "cache"),
    ("admin", "db"),
    ("batch", "report"),
]


def shop(**changes):
    health = {
        name: latency(10, 10) for name in ("edge", "api", "db", "cache", "admin", "batch", "report")
    }
    health["db"] = latency(10, 200)
    made = snapshot(EDGES, health, symptom=Symptom("api", "latency"))
    t = made.series["db"].t
    gap = Series(t, {"network_ms": tuple(3.0 if i < 60 else 90.0 for i in range(len(t)))})
    edge_series = {f"{parent}->{child}": gap for parent, child in EDGES}
    logs = {"db": Series(t, {"level:ERROR": tuple(0.0 if i < 60 else 9.0 for i in range(len(t)))})}
    return replace(made, edge_series=edge_series, logs=logs, metrics=dict(logs), **changes)


def test_the_symptom_its_downstream_and_upstream_are_kept_and_the_rest_counted():
    cut = around_symptom(shop())

    assert set(cut.series) == {"edge", "api", "db", "cache"}
    assert ("batch", "report") not in {(e.parent, e.child) for e in cut.edges}
    assert set(cut.logs) == {"db"}
    assert cut.omitted == {"services": 2, "edges": 1}


def test_calls_into_a_candidate_from_outside_are_kept_with_their_caller_named_not_its_series():
    cut = around_symptom(shop())

    assert ("admin", "db") in {(e.parent, e.child) for e in cut.edges}
    assert "admin->db" in cut.edge_series
    assert "admin" in {s.name for s in cut.services}
    assert "admin" not in cut.series


def test_the_cap_keeps_the_downstream_first_then_the_nearest_upstream():
    cut = around_symptom(shop(), cap=3)

    assert set(cut.series) == {"api", "db", "cache"}
    assert cut.omitted == {"services": 2, "edges": 1, "beyond_cap": 1}


def test_ranking_the_cut_snapshot_written_and_read_back_finds_what_the_whole_one_did():
    whole = shop()

    again = load_snapshot(dump_snapshot(around_symptom(whole)), source="saved")

    before, after = rank(whole, "api"), rank(again, "api")
    assert before.candidates
    assert after == before
    assert after.to_dict() == before.to_dict()


def test_the_count_of_what_was_left_out_is_written_and_read_back():
    written = json.loads(dump_snapshot(around_symptom(shop())))

    assert written["omitted"] == {"services": 2, "edges": 1}
    assert written["format"] == "svcmap-snapshot/1"
    assert load_snapshot(json.dumps(written), source="saved").omitted == written["omitted"]


def test_a_snapshot_of_the_whole_map_notes_nothing_left_out():
    written = json.loads(dump_snapshot(shop()))

    assert "omitted" not in written
    assert load_snapshot(json.dumps(written), source="whole").omitted == {}


def test_a_snapshot_without_a_symptom_is_kept_whole():
    whole = shop(symptom=None)

    assert around_symptom(whole) is whole


def test_a_reader_ignores_top_level_keys_it_does_not_know():
    written = json.loads(dump_snapshot(around_symptom(shop())))
    written["newer"] = {"anything": [1, 2]}

    assert load_snapshot(json.dumps(written), source="newer").series.keys() == {
        "edge",
        "api",
        "db",
        "cache",
    }
