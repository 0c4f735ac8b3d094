"""A document of whole traces streamed and linked batch by batch, as read spans would link."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from topology.errors import TraceFormatError
from topology.linked_stream import stream_linked
from topology.linking import link
from topology.parsing import stream_traces
from topology.preparing import Preparation
from topology.redaction import Redaction
from topology.time_window import import_window

FIXTURES = Path(__file__).parents[2] / "fixtures" / "traces"
SAMPLE = Path(__file__).parents[3] / "samples" / "traces" / "shop-jaeger.json"
NOW_S = 1_777_604_400
PREP = Preparation(import_window(NOW_S), Redaction())


def through_spans(data: bytes, batch_spans: int) -> list[object]:
    found: list[object] = []
    for read in stream_traces(io.BytesIO(data).read, source="f", batch_spans=batch_spans):
        spans, refused = PREP.spans(read)
        linked = link(spans)
        found.append((linked.calls, linked.served, linked.traces, len(spans), refused))
    return found


def streamed(data: bytes, batch_spans: int) -> list[object]:
    batches = stream_linked(io.BytesIO(data).read, source="f", prep=PREP, batch_spans=batch_spans)
    return [(b.linked.calls, b.linked.served, b.linked.traces, b.spans, b.refused) for b in batches]


def recorded_traces() -> list[dict[str, object]]:
    """The recorded Jaeger traces of the fixtures, and the sample shop's."""
    found = []
    for name in (
        "jaeger-ui-flamegraph-ride-sharing.json",
        "jaeger-ui-petclinic-spansAmongEachOther.json",
        "jaeger-ui-tracegraph-synthetic-messaging.json",
        "jaeger-ui-genai-synthetic.json",
    ):
        document = json.loads((FIXTURES / name).read_bytes())
        found.append(document["data"] if isinstance(document.get("data"), dict) else document)
    found += json.loads(SAMPLE.read_bytes())["data"]
    return found


@pytest.mark.parametrize("batch_spans", [1, 7, 50_000])
def test_recorded_jaeger_traces_link_as_their_spans_do(batch_spans):
    data = json.dumps({"data": recorded_traces()}).encode()

    found = streamed(data, batch_spans)

    assert found == through_spans(data, batch_spans)
    assert sum(len(calls) for calls, *_ in found) > 500  # type: ignore[misc]


def test_jaeger_traces_listed_twice_link_as_one_trace_as_their_spans_do():
    traces = recorded_traces()
    data = json.dumps({"data": traces + traces}).encode()

    assert streamed(data, 50_000) == through_spans(data, 50_000)


def test_zipkin_traces_link_as_their_spans_do():
    spans = json.loads((FIXTURES / "zipkin-lens-yelp.json").read_bytes())
    data = json.dumps([spans, spans]).encode()

    assert streamed(data, 3) == through_spans(data, 3)


def test_a_bad_span_is_refused_with_the_source_and_its_place():
    bad = {"traceID": "ab", "spanID": "cd", "startTime": 1e30, "processID": "p"}
    good = {"traceID": "ab", "spanID": "ce", "startTime": NOW_S * 10**6, "processID": "p"}
    trace = {"spans": [good, bad], "processes": {"p": {"serviceName": "web"}}}
    data = json.dumps({"data": [trace, trace]}).encode()

    with pytest.raises(TraceFormatError) as caught:
        list(stream_linked(io.BytesIO(data).read, source="f.json", prep=PREP))

    assert (
        str(caught.value)
        == "f.json: $.data[0].spans[1].startTime: a time in microseconds out of range: 1e+30"
    )
