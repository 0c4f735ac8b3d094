"""Tempo's answers read by the pure parsing functions.

The search answer follows Tempo's documented shape; the trace answer is a real OTLP
export (Jaeger's telemetrygen fixture) under `batches`, as Tempo's v1 endpoint says it.
"""

from __future__ import annotations

import json

import pytest

from bot.adapters.sources.tempo import padded_id, parse_search, parse_tag_values, parse_trace
from topology.errors import SourceError


def test_search_gives_the_trace_ids_padded_to_32_digits():
    body = json.dumps(
        {
            "traces": [
                {"traceID": "7a1d2dd4deaf177e0acf55b3c49032", "rootServiceName": "mythical-server"},
                {"traceID": "111F5594FF52B1F917F4DECA8E38243A", "durationMs": 1},
            ],
            "metrics": {"inspectedBytes": "1234", "completedJobs": 1, "totalJobs": 1},
        }
    ).encode()

    assert parse_search(body, source="t") == [
        "007a1d2dd4deaf177e0acf55b3c49032",
        "111f5594ff52b1f917f4deca8e38243a",
    ]


def test_a_search_with_no_traces_gives_no_ids():
    assert parse_search(b'{"traces":[],"metrics":{}}', source="t") == []
    assert parse_search(b'{"metrics":{}}', source="t") == []


@pytest.mark.parametrize("bad", ["", "xyz", "0" * 33, "../x"])
def test_an_id_that_is_not_hex_or_too_long_is_refused(bad):
    with pytest.raises(SourceError, match=r"^t: not a trace id"):
        padded_id(bad, source="t")


def test_tag_values_are_the_service_names():
    assert parse_tag_values(b'{"tagValues":["a","b"],"metrics":{}}', source="t") == ["a", "b"]


def test_a_trace_under_batches_is_read_as_otlp(payload):
    otlp = json.loads(payload("jaeger_otlp_json_traces_telemetrygen.json"))
    body = json.dumps({"batches": otlp["resourceSpans"]}).encode()

    spans = parse_trace(body, source="t")

    assert {(s.trace_id, s.local_service) for s in spans} == {
        ("83a9efd15c1c98a977e0711cc93ee28b", "telemetrygen")
    }
