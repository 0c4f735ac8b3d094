"""OTLP JSON metrics read into per-minute values."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from topology.errors import TraceFormatError
from topology.parsing.otlp_metrics import parse_metrics

FIXTURE = Path(__file__).parents[2] / "fixtures" / "signals" / "otlp_metrics.CONSTRUCTED.json"
T0 = 1_700_000_040


def parse(data):
    if not isinstance(data, bytes):
        data = json.dumps(data).encode()
    return parse_metrics(data, source="metrics.json")


def gauge(*points, name="cpu"):
    return {
        "resourceMetrics": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "cart"}}]
                },
                "scopeMetrics": [
                    {"metrics": [{"name": name, "gauge": {"dataPoints": list(points)}}]}
                ],
            }
        ]
    }


def test_every_kind_of_metric_gives_values_or_is_skipped():
    export = parse(FIXTURE.read_bytes())

    found = sorted((p.name, p.minute, p.value) for p in export.points)
    assert found == [
        ("db.client.connections.usage", T0, 7.0),
        ("gc.pause", T0, 4.0),
        ("http.server.duration", T0, 25.0),
        ("http.server.request.count", T0 + 60, 1.0),
        ("http.server.request.count", T0 + 120, 2.0),
        ("process.cpu.utilization", T0, 0.25),
        ("process.cpu.utilization", T0, 0.75),
        ("process.cpu.utilization", T0 + 60, 1.0),
        ("queue.messages.sent", T0 + 60, 0.5),
        ("rpc.duration", T0, 4.5),
    ]
    assert {p.service for p in export.points} == {"checkout"}
    assert export.skipped == 1
    assert export.refused.count == 0


def test_a_malformed_point_is_named_by_its_json_path():
    with pytest.raises(TraceFormatError) as caught:
        parse(gauge({"timeUnixNano": "1", "asDouble": 1.0}, {"timeUnixNano": "1", "asInt": "x1"}))
    assert str(caught.value) == (
        "metrics.json: $.resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[1].asInt: "
        "not a number: 'x1'"
    )


def test_a_wrong_type_is_named_by_its_json_path():
    doc = gauge()
    doc["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["gauge"]["dataPoints"] = {}
    path = r"\$\.resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.gauge\.dataPoints"
    with pytest.raises(TraceFormatError, match=path + ": expected a list"):
        parse(doc)


def test_absurd_times_and_special_values_are_refused_and_counted():
    export = parse(
        gauge(
            {"timeUnixNano": str(10**25), "asDouble": 1.0},
            {"timeUnixNano": str(T0 * 10**9), "asDouble": "NaN"},
            {"timeUnixNano": str(T0 * 10**9), "asDouble": "Infinity"},
            {"timeUnixNano": str(T0 * 10**9), "asDouble": 3.0},
        )
    )
    assert [p.value for p in export.points] == [3.0]
    assert export.refused.count == 3


@given(
    st.lists(
        st.tuples(
            st.one_of(st.integers(min_value=-(2**80), max_value=2**80), st.none()),
            st.one_of(
                st.floats(allow_nan=False, allow_infinity=False),
                st.integers(min_value=-(2**70), max_value=2**70).map(str),
                st.sampled_from(["NaN", "Infinity", "-Infinity"]),
            ),
        ),
        max_size=20,
    )
)
def test_any_numeric_fields_give_values_or_refusals_never_a_crash(points):
    wire = [
        {"timeUnixNano": str(at) if at is not None else None, "asDouble": value}
        for at, value in points
    ]
    export = parse(gauge(*wire))
    assert len(export.points) + export.refused.count + export.skipped == len(points)
