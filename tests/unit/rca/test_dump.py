"""Snapshots written by svcmap read back as the same snapshot, and gather what the store holds."""

import json

from tests.whole_snapshots import assemble_snapshot
from topology.graph import ServiceGraph
from topology.model import NodeKind
from topology.ownership import Catalog
from topology.rca import load_snapshot
from topology.rca.assemble import incident_windows
from topology.rca.dump import dump_snapshot
from topology.rca.snapshot import FORMAT, Symptom
from topology.stats import EdgeStats, Latency, Node, ServiceStats

from .factories import latency, snapshot
from .test_snapshot import EXAMPLE

AT = 1_777_602_600


def stored_latency(*values_ms):
    measured = Latency()
    for value in values_ms:
        measured.add(value)
    return measured


def assembled():
    baseline, incident = incident_windows(AT, 600, 1_200)
    db_call = EdgeStats("api", "db", 2, 1, stored_latency(3, 4), stored_latency(3, 4))
    db_call.child_kind = NodeKind.DATABASE
    graph = ServiceGraph.build(
        [EdgeStats("api", "db", 2), EdgeStats("web", "api", 5)],
        [Node("web"), Node("api")],
    )
    return assemble_snapshot(
        graph,
        Catalog(owners={"web": "web-team"}),
        Symptom("web", "latency", at=AT),
        windows=(baseline, incident),
        services={"web": [(AT - 60, ServiceStats("web", 3, 0, stored_latency(10, 12.25, 40)))]},
        edges={("api", "db"): [(AT - 300, db_call)], ("web", "api"): []},
    )


def test_incident_and_baseline_windows_meet_without_sharing_a_second():
    baseline, incident = incident_windows(AT, 600, 1_200)

    assert (incident.start, incident.end) == (AT - 600, AT)
    assert (baseline.start, baseline.end) == (AT - 1_800, AT - 601)


def test_the_minute_an_incident_starts_in_is_the_incidents_when_most_of_it_lies_after_the_start():
    on_the_minute = AT - AT % 60
    early, late = on_the_minute + 4, on_the_minute + 50

    assert incident_windows(early + 180, 180, 3_600)[1].start == on_the_minute
    assert incident_windows(late + 180, 180, 3_600)[1].start == on_the_minute + 60


def test_an_assembled_snapshot_holds_the_graph_owners_and_series_of_both_windows():
    snap = assembled()

    assert [(s.name, s.owner, s.virtual) for s in snap.services] == [
        ("api", None, False),
        ("db", None, True),
        ("web", "web-team", False),
    ]
    assert snap.series["web"].t[0] == AT - 1_800
    assert snap.series["web"].t[-1] == AT
    assert sorted(snap.series) == ["api", "db", "web"]
    assert set(snap.series["api"].metrics["requests"]) == {0}
    assert max(v or 0 for v in snap.series["db"].metrics["errors"]) == 1
    assert sorted(snap.edge_series) == ["api->db", "web->api"]


def test_a_written_snapshot_reads_back_as_the_same_snapshot():
    snap = assembled()

    data = dump_snapshot(snap)

    assert json.loads(data)["format"] == FORMAT
    assert load_snapshot(data, source="written.json") == snap


def test_hand_made_and_design_snapshots_survive_writing_and_reading():
    made = snapshot([("a", "b")], {"a": latency(10, 40)}, virtual=["b"])
    design = load_snapshot(json.dumps(EXAMPLE), source="design.json")

    for snap in (made, design):
        assert load_snapshot(dump_snapshot(snap), source="again.json") == snap


def test_a_written_snapshot_puts_each_series_list_on_one_line():
    written = dump_snapshot(snapshot([("a", "b")], {"a": latency(10, 10)})).decode()

    (line,) = [line for line in written.splitlines() if '"latency_avg_ms"' in line]
    values = json.loads(line.split(": ", 1)[1].rstrip(","))
    assert len(values) == len(snapshot([], {"a": latency(10, 10)}).series["a"].t)
    assert json.loads(written)["format"] == FORMAT
