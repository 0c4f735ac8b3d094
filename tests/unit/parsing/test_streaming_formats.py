"""Zipkin, OTLP and Tempo documents read piece by piece give what reading them whole gives."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from topology.errors import TraceFormatError
from topology.parsing import TraceFormat, parse_traces, pieces, stream_traces

from .documents import otlp_body, otlp_span, zipkin_span

ROOT = Path(__file__).parents[3]
FIXTURES = sorted(
    [
        *(ROOT / "tests" / "fixtures" / "traces").glob("*.json"),
        *(ROOT / "tests" / "fixtures" / "api").glob("*.json"),
        *(ROOT / "samples" / "traces").glob("*.json"),
    ]
)


def reader(data: bytes, most: int):
    """A reader giving at most `most` bytes at a time, as a slow file or pipe may."""
    file = io.BytesIO(data)
    return lambda n: file.read(min(n, most))


def whole(data: bytes, fmt: TraceFormat | None = None) -> list[object] | str:
    try:
        return list(parse_traces(data, source="big.json", fmt=fmt))
    except TraceFormatError as error:
        return str(error)


def streamed(
    data: bytes, *, most: int = 1 << 20, batch: int = 3, fmt=None, limit: int = 1 << 20
) -> list[object] | str:
    try:
        batches = stream_traces(
            reader(data, most), source="big.json", fmt=fmt, batch_spans=batch, piece_limit=limit
        )
        return [span for spans in batches for span in spans]
    except TraceFormatError as error:
        return str(error)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_fixture_reads_the_same_streamed_in_chunks_of_any_size(path):
    data = path.read_bytes()
    expected = whole(data)
    for most in (7, 4096, 1 << 20):
        assert streamed(data, most=most) == expected


def zipkin_trace(index: int, spans: int = 3) -> list[dict[str, object]]:
    return [
        zipkin_span(traceId=f"{index + 1:032x}", id=f"{index * 100 + i + 1:016x}")
        for i in range(spans)
    ]


def otlp_groups(count: int) -> list[dict[str, object]]:
    groups = []
    for i in range(count):
        span = otlp_span(traceId=f"{i // 2 + 1:032x}", spanId=f"{i + 1:016x}")
        [group] = otlp_body(span)["resourceSpans"]
        group["resource"]["attributes"][0]["value"] = {"stringValue": f"svc-{i}"}
        groups.append(group)
    return groups


def dumped(document: object) -> bytes:
    return json.dumps(document).encode()


DOCUMENTS = {
    "zipkin spans": dumped([s for i in range(4) for s in zipkin_trace(i)]),
    "zipkin traces": dumped([zipkin_trace(i) for i in range(4)]),
    "zipkin empty": b"[]",
    "otlp": dumped({"resourceSpans": otlp_groups(5)}),
    "otlp empty": dumped({"resourceSpans": []}),
    "otlp keys after": dumped({"resourceSpans": otlp_groups(2), "x": {"y": [1, 2]}}),
    "otlp keys before": dumped({"x": 1, "resourceSpans": otlp_groups(2)}),
    "otlp and batches": dumped({"resourceSpans": otlp_groups(2), "batches": otlp_groups(3)}),
    "tempo v1": dumped({"batches": otlp_groups(4)}),
    "tempo v2": dumped({"trace": {"resourceSpans": otlp_groups(4)}}),
    "api v3": dumped({"result": {"resourceSpans": otlp_groups(4), "z": None}, "w": 2}),
    "otlp list": dumped([{"resourceSpans": otlp_groups(2)}, {"batches": otlp_groups(1)}]),
    "otlp null": dumped({"resourceSpans": None}),
    "empty object": b"{}",
    "json lines": b"\n".join(dumped({"resourceSpans": [g]}) for g in otlp_groups(4)) + b"\n",
    "pretty": json.dumps({"resourceSpans": otlp_groups(3)}, indent=3).encode(),
    "bom": b"\xef\xbb\xbf" + dumped([zipkin_trace(0)]),
}


@pytest.mark.parametrize("data", DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_documents_read_the_same_streamed(data):
    expected = whole(data)
    assert isinstance(expected, list), expected
    for most in (1, 5, 1 << 20):
        assert streamed(data, most=most) == expected


def test_batches_hold_whole_pieces_of_about_the_size_asked():
    data = DOCUMENTS["zipkin traces"]

    sizes = [len(b) for b in stream_traces(reader(data, 50), source="x", batch_spans=5)]

    assert sizes == [6, 6]


BAD = {
    "truncated": DOCUMENTS["otlp"][:-40],
    "not an item": dumped([zipkin_trace(0)[0], 5]),
    "a later item of another format": dumped([{"resourceSpans": []}, zipkin_span()]),
    "a bad id": dumped([zipkin_span(id="xyz")]),
    "a bad group": dumped({"resourceSpans": [{"scopeSpans": 5}]}),
    "not a list": dumped({"resourceSpans": "many"}),
    "a bad time": DOCUMENTS["otlp"].replace(
        b'"startTimeUnixNano": "', b'"startTimeUnixNano": "x', 1
    ),
    "bad syntax": DOCUMENTS["zipkin spans"].replace(b'", "', b'" "', 5),
    "bad syntax in otlp": DOCUMENTS["otlp"].replace(b"}, {", b"} {", 3),
    "not utf-8": DOCUMENTS["otlp"].replace(b'"spanId": "', b'"spanId": "\xff', 1),
    "a bad line": DOCUMENTS["json lines"].replace(b'"spanId": "', b'"spanId": 7, "q": "', 1),
    "trailing": DOCUMENTS["otlp"] + b" x",
    "both formats": dumped({"resourceSpans": [], "data": []}),
    "a server error": dumped({"data": None, "errors": [{"code": 500, "msg": "down"}]}),
    "gzip": b"\x1f\x8b\x08\x00" + bytes(40),
    "blank": b"  \n ",
}


@pytest.mark.parametrize("data", BAD.values(), ids=BAD.keys())
def test_bad_documents_are_refused_streamed_naming_the_source(data):
    for most in (1, 5, 1 << 20):
        found = streamed(data, most=most)
        assert isinstance(found, str), found
        assert found.startswith("big.json: ")


@pytest.mark.parametrize(
    "name",
    [
        "not an item",
        "a bad id",
        "a bad group",
        "not a list",
        "a bad time",
        "bad syntax",
        "bad syntax in otlp",
        "not utf-8",
        "gzip",
        "blank",
    ],
)
def test_most_bad_documents_are_refused_with_the_whole_reads_message(name):
    data = BAD[name]
    for most in (1, 5, 1 << 20):
        assert streamed(data, most=most) == whole(data)


def test_a_document_cut_anywhere_is_refused_as_ending_too_early():
    for data in (DOCUMENTS["otlp"], DOCUMENTS["zipkin spans"], DOCUMENTS["tempo v2"]):
        for end in range(1, len(data) - 1, 7):
            found = streamed(data[:end], most=64)
            assert found == "big.json: not JSON: it ends too early", (end, found)


def test_a_huge_string_is_refused_before_it_is_read_whole():
    huge = b"x" * (4 << 20)
    data = b'[{"traceId": "' + huge + b'", "id": "01"}]'
    file = io.BytesIO(data)
    read: list[int] = []

    def counting(n: int) -> bytes:
        chunk = file.read(min(n, 64 << 10))
        read.append(len(chunk))
        return chunk

    with pytest.raises(TraceFormatError, match=r"big\.json: \$\[0\]: larger than 262,144 bytes"):
        list(stream_traces(counting, source="big.json", piece_limit=256 << 10))
    assert sum(read) < 1 << 20


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"resourceSpans": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}",
        b'{"trace": {"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}",
    ],
)
def test_deep_nesting_is_refused(data):
    found = streamed(data, most=4096)
    assert isinstance(found, str)
    assert found.startswith("big.json: ")


def test_insisting_on_another_format_is_refused():
    for data, fmt in (
        (DOCUMENTS["otlp"], TraceFormat.ZIPKIN),
        (DOCUMENTS["zipkin spans"], TraceFormat.OTLP),
    ):
        assert streamed(data, fmt=fmt) == whole(data, fmt=fmt)
        assert isinstance(whole(data, fmt=fmt), str)


def read_whole(doc: object, buf: memoryview) -> list[object]:
    raise AssertionError(f"read whole: {bytes(buf[:40])!r}")


def test_memory_is_bounded_by_the_largest_piece_not_the_document():
    data = dumped({"resourceSpans": otlp_groups(3_000)})
    file = io.BytesIO(data)
    asked: list[int] = []

    def read(n: int) -> bytes:
        asked.append(n)
        return file.read(n)

    found = sum(1 for _ in pieces.pieces(read, read_whole, chunk=4096))
    assert found == 3_000
    assert max(asked) <= 4096 * 2
    assert len(data) > 100 * 4096


@pytest.mark.parametrize(
    ("head", "streamed_piecewise", "whole_traces"),
    [
        (b'{"data": [', True, True),
        (b'[[{"traceId"', True, True),
        (b'[ {"traceID": "a", "spans"', True, True),
        (b'[{"traceId": "a"', True, False),
        (b'\xef\xbb\xbf\n{\n "resourceSpans" : [', True, False),
        (b'{"batches": [', True, False),
        (b'{"trace": {', True, False),
        (b'{"result": {', True, False),
        (b'{"resourceLogs": [', False, False),
        (b'{"total": 0, "data": []}', False, False),
        (b"\x1f\x8b\x08", False, False),
    ],
)
def test_which_documents_are_streamed_and_which_hold_whole_traces(
    head, streamed_piecewise, whole_traces
):
    assert pieces.streamable(head) is streamed_piecewise
    assert pieces.whole_traces(head) is whole_traces


def test_many_small_members_beside_the_spans_are_refused_past_the_limit():
    members = {f"k{i}": "v" * 90 for i in range(2_000)}
    data = dumped({"resourceSpans": otlp_groups(2), **members})

    found = streamed(data, most=4096, limit=64 << 10)

    assert found.startswith("big.json: $.k"), found
    assert found.endswith("the members beside the spans pass 65,536 bytes")
    assert isinstance(streamed(data, most=4096), list)
