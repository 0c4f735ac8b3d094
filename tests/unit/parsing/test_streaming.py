"""A Jaeger `{"data": [...]}` document read trace by trace gives what reading it whole gives."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from topology.errors import TraceFormatError
from topology.parsing import TraceFormat, parse_traces, pieces, stream_traces

from .documents import jaeger_span, jaeger_trace

SAMPLE = Path(__file__).parents[3] / "samples" / "traces" / "shop-jaeger.json"


def reader(data: bytes, most: int):
    """A reader giving at most `most` bytes at a time, as a slow file or pipe may."""
    file = io.BytesIO(data)
    return lambda n: file.read(min(n, most))


def outcome(read, *, fmt=None):
    """The spans, or the message of the refusal."""
    try:
        return read(fmt)
    except TraceFormatError as error:
        return str(error)


def whole(data: bytes, fmt=None):
    return outcome(lambda f: parse_traces(data, source="big.json", fmt=f), fmt=fmt)


def streamed(data: bytes, *, most: int = 1 << 20, batch: int = 3, fmt=None):
    def read(f):
        batches = stream_traces(reader(data, most), source="big.json", fmt=f, batch_spans=batch)
        return [span for spans in batches for span in spans]

    return outcome(read, fmt=fmt)


def answer(*traces: object, **keys: object) -> bytes:
    return json.dumps({"data": list(traces), **keys}).encode()


def trace(index: int, spans: int = 2) -> dict[str, object]:
    return jaeger_trace(
        *(
            jaeger_span(traceID=f"{index + 1:032x}", spanID=f"{index * 100 + i + 1:016x}")
            for i in range(spans)
        )
    )


def test_the_sample_reads_the_same_in_chunks_of_any_size():
    data = SAMPLE.read_bytes()
    assert pieces.streamable(data[:4096])
    expected = whole(data)
    assert isinstance(expected, list)
    assert expected
    for most in (512, 1 << 20):
        assert streamed(data, most=most) == expected


def test_batches_hold_whole_traces_of_about_the_size_asked():
    data = answer(*(trace(i, spans=2) for i in range(10)))

    sizes = [len(b) for b in stream_traces(reader(data, 50), source="x", batch_spans=3)]

    assert sizes == [4, 4, 4, 4, 4]


@pytest.mark.parametrize(
    "data",
    [
        answer(),
        answer(trace(0), trace(1), total=2, limit=0, offset=0, errors=None),
        b'\xef\xbb\xbf\n{ "data" :\n [\n'
        + json.dumps(trace(0)).encode()
        + b"\n ,\n"
        + json.dumps(trace(1)).encode()
        + b"\n]\n}\n",
        answer({"traceID": "a", "spans": None}, trace(1)),
        answer(trace(0), {"spans": []}, trace(1)),
    ],
)
def test_documents_read_the_same_streamed(data):
    expected = whole(data)
    assert isinstance(expected, list)
    for most in (1, 5, 1 << 20):
        assert streamed(data, most=most) == expected


@pytest.mark.parametrize(
    "data",
    [
        answer(trace(0), {"traceID": "a", "spans": [{"traceID": "a"}]}),
        answer(trace(0), trace(1), jaeger_trace(jaeger_span(startTime="12:00"))),
        answer(trace(0), "not a trace"),
        answer(trace(0), {"processes": {}}),
        answer(trace(0), trace(1)).replace(b'"spanID": ', b'"spanID" ', 3),
        answer(trace(0), trace(1)).replace(b"}, {", b"}\n\n {\n", 1).replace(b'", "', b'" "', 9),
        answer(trace(0)).replace(b"]}", b"] x}"),
        answer(trace(0)).replace(b"]}", b"], 5}"),
        answer(trace(0)).replace(b"]}", b"]} trailing"),
        answer(trace(0)).replace(b"]}", b"}"),
        answer(trace(0), trace(1)).replace(b"}, {", b"} {", 1),
        answer(trace(0)).replace(b"frontend", b"front\xffend"),
        answer(trace(0)).replace(b"frontend", b"front\\xend"),
    ],
)
def test_bad_documents_are_refused_with_the_same_message(data):
    expected = whole(data)
    assert isinstance(expected, str), expected
    assert expected.startswith("big.json: ")
    for most in (1, 5, 1 << 20):
        assert streamed(data, most=most) == expected


def test_a_document_cut_anywhere_after_its_start_is_refused_as_ending_too_early():
    data = answer(trace(0), trace(1), total=2)
    for end in range(len(b'{"data": ['), len(data) - 1):
        assert streamed(data[:end], most=16) == "big.json: not JSON: it ends too early"


def test_insisting_on_another_format_is_refused_before_reading():
    data = answer(trace(0))

    assert streamed(data, fmt=TraceFormat.ZIPKIN) == whole(data, fmt=TraceFormat.ZIPKIN)
    assert streamed(data, fmt=TraceFormat.JAEGER) == whole(data, fmt=TraceFormat.JAEGER)


def test_documents_starting_with_other_keys_are_not_streamed():
    for head in (b'{"total": 0, "data": []}', b'{"resourceLogs": []}'):
        assert not pieces.streamable(head)


def read_whole(doc: object, buf: memoryview) -> list[object]:
    raise AssertionError(f"read whole: {bytes(buf[:40])!r}")


def test_memory_is_bounded_by_the_largest_trace_not_the_document():
    data = answer(*(trace(i, spans=5) for i in range(2_000)))
    file = io.BytesIO(data)
    held: list[int] = []

    def read(n: int) -> bytes:
        held.append(n)
        return file.read(n)

    traces = pieces.pieces(read, read_whole, chunk=4096)
    assert sum(1 for _ in traces) == 2_000
    assert max(held) <= 4096 * 2
    assert len(data) > 100 * 4096
