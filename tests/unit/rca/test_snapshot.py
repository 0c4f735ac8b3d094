"""Snapshot files: read as DESIGN.md shows them; malformed ones refused, with source and place."""

import copy
import json

import pytest

from topology.errors import SnapshotError
from topology.rca import load_snapshot

EXAMPLE = {
    "format": "svcmap-snapshot/1",
    "symptom": {"service": "frontend", "metric": "latency", "statistic": "p90", "at": 1681350548},
    "windows": {"baseline": [1681200000, 1681340000], "incident": [1681349000, 1681350600]},
    "services": [{"name": "frontend", "owner": "web-team", "virtual": False}],
    "edges": [{"parent": "frontend", "child": "cart", "connection_type": "rpc"}],
    "series": {
        "frontend": {
            "t": [1681349000, 1681349060],
            "requests": [1200, 1180],
            "errors": [3, None],
            "latency_avg_ms": [41.0, 40.2],
            "latency_p50_ms": [30.0, 29.0],
            "latency_p90_ms": [80.0, 85.0],
        }
    },
}


def document(**changes):
    data = copy.deepcopy(EXAMPLE)
    data.update(changes)
    return data


def refusal(data):
    text = data if isinstance(data, str) else json.dumps(data)
    with pytest.raises(SnapshotError) as caught:
        load_snapshot(text, source="snap.json")
    message = str(caught.value)
    assert message.startswith("snap.json: ")
    return message.removeprefix("snap.json: ")


def test_the_design_example_is_read():
    snap = load_snapshot(json.dumps(EXAMPLE).encode(), source="snap.json")

    assert snap.symptom is not None
    assert snap.symptom.service == "frontend"
    assert snap.symptom.metric == "latency"
    assert snap.incident.holds(1681349060)
    assert not snap.baseline.holds(1681349060)
    assert snap.services[0].owner == "web-team"
    assert snap.edges[0].child == "cart"
    assert snap.series["frontend"].metrics["errors"] == (3.0, None)
    assert snap.edge_series == {}


def test_unknown_metric_keys_are_ignored_and_edges_may_name_unlisted_services():
    data = document(edges=[{"parent": "frontend", "child": "postgres"}])
    data["series"]["frontend"]["saturation"] = ["high", None]

    snap = load_snapshot(json.dumps(data), source="snap.json")

    assert "saturation" not in snap.series["frontend"].metrics
    assert snap.edges[0].child == "postgres"


def test_edge_series_are_read_keyed_parent_to_child():
    data = document(edge_series={"frontend->cart": {"t": [1], "errors": [2]}})

    snap = load_snapshot(json.dumps(data), source="snap.json")

    assert snap.edge_series["frontend->cart"].metrics["errors"] == (2.0,)


def without(key):
    data = document()
    del data[key]
    return data


def with_series(**fields):
    data = document()
    data["series"]["frontend"].update(fields)
    return data


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([], "$: expected an object, got a list"),
        (
            document(format="svcmap-snapshot/2"),
            "$.format: expected 'svcmap-snapshot/1', got 'svcmap-snapshot/2'",
        ),
        (without("format"), "$.format: expected 'svcmap-snapshot/1', got null"),
        (without("windows"), "$: missing 'windows'"),
        (document(windows={"baseline": [1, 2]}), "$.windows: missing 'incident'"),
        (
            document(windows={"baseline": [1, 2], "incident": [5]}),
            "$.windows.incident: expected [start, end], got 1 values",
        ),
        (
            document(windows={"baseline": [2, 1], "incident": [5, 6]}),
            "$.windows.baseline: the window ends before it starts",
        ),
        (
            document(windows={"baseline": [1, "2"], "incident": [5, 6]}),
            "$.windows.baseline[1]: expected a number, got '2'",
        ),
        (with_series(requests=[1200]), '$.series["frontend"].requests: 1 values for 2 times in t'),
        (
            with_series(latency_p90_ms=[80.0, "slow"]),
            "$.series[\"frontend\"].latency_p90_ms[1]: expected a number, got 'slow'",
        ),
        (
            with_series(errors=[True, 1]),
            '$.series["frontend"].errors[0]: expected a number, got true',
        ),
        (
            with_series(t=[5, 5]),
            '$.series["frontend"].t[1]: times must go up, each after the one before',
        ),
        (with_series(t=None), '$.series["frontend"].t: expected a list, got null'),
        (document(series={"frontend": {"requests": [1]}}), "$.series[\"frontend\"]: missing 't'"),
        (document(series=[]), "$.series: expected an object, got a list"),
        (document(edges=[{"parent": "frontend"}]), "$.edges[0]: missing 'child'"),
        (
            document(services=[{"name": ""}]),
            "$.services[0].name: expected a non-empty string, got ''",
        ),
        (
            document(services=[{"name": "a", "virtual": "yes"}]),
            "$.services[0].virtual: expected true or false, got 'yes'",
        ),
        (document(symptom={"metric": "latency"}), "$.symptom: missing 'service'"),
        (
            document(logs={"frontend": {"t": [1, 2], "level:ERROR": [3, -5]}}),
            '$.logs["frontend"]["level:ERROR"][1]: expected a count of log lines, got a negative',
        ),
        (
            '{"format": "svcmap-snapshot/1",'
            ' "windows": {"baseline": [NaN, 1], "incident": [1, 2]}}',
            "$.windows.baseline[0]: expected a finite number, got nan",
        ),
    ],
)
def test_a_malformed_snapshot_is_refused_with_the_place_named(data, expected):
    assert refusal(data) == expected


def test_a_snapshot_that_is_not_json_is_refused_with_the_line_and_column():
    assert refusal("{").startswith("not JSON (line 1, column 2): ")


def test_text_that_is_not_utf8_is_refused():
    with pytest.raises(SnapshotError, match=r"^snap\.json: not JSON"):
        load_snapshot(b'{"format": "\xff"}', source="snap.json")
