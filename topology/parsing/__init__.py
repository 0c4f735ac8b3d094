"""Trace documents (Jaeger, Zipkin, OTLP JSON) read into `topology.model.Span`.

`parse_traces` reads a whole document in one typed pass with the garbage collector
paused, tells the format from the keys it found, and reports every problem as a
`TraceFormatError` naming the source and the place. `stream_traces` reads a Jaeger
`{"data": [...]}` document trace by trace, in batches of whole traces, for files
too large to hold at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Set

import msgspec

from topology.errors import TraceFormatError
from topology.gcpause import paused_gc
from topology.model import Span
from topology.parsing import decoding, document, jaeger, otlp, streaming, zipkin
from topology.trace_formats import TraceFormat as TraceFormat  # re-exported for its readers

_NOT_A = {
    fmt: f"not {'an' if fmt is TraceFormat.OTLP else 'a'} {fmt.label} document"
    for fmt in TraceFormat
}
_OTLP_KEYS = frozenset({"resourceSpans", "batches", "result", "trace"})
_JAEGER_KEYS = frozenset({"data", "traceID", "spans"})
_ZIPKIN_KEYS = frozenset({"traceId", "id"})
_NOT_A_TRACE = "not a Jaeger, Zipkin or OTLP document"
_NOT_AN_ITEM = "$[0]: not a Zipkin span, a Jaeger trace or an OTLP document"
_LISTED = 10


def detect_format(doc: object) -> TraceFormat:
    """The format of a decoded JSON document, as `json.loads` returns it.

    An empty list is taken for Zipkin, an empty object for OTLP (an export of no spans).
    """
    if isinstance(doc, dict):
        found = _object_format(frozenset(doc)) if doc else TraceFormat.OTLP
        if found is None:
            raise TraceFormatError(f"{_NOT_A_TRACE} (top-level keys: {_listed(doc)})")
        return found
    if isinstance(doc, list):
        first = doc[0] if doc else []
        found = _item_format(frozenset(first)) if isinstance(first, dict) else None
        if isinstance(first, list):
            found = TraceFormat.ZIPKIN
        if found is None:
            raise TraceFormatError(_NOT_AN_ITEM)
        return found
    raise TraceFormatError(f"{_NOT_A_TRACE} (it is {type(doc).__name__}, not an object or list)")


def parse_traces(data: bytes, *, source: str, fmt: TraceFormat | None = None) -> list[Span]:
    """The spans of a trace document; `fmt` insists on one format instead of detecting it.

    JSON Lines (one document per line) are read too. A document with no spans gives [].
    """
    try:
        with paused_gc():
            return _parse(decoding.body_of(data), fmt)
    except TraceFormatError as error:
        raise TraceFormatError(f"{source}: {error}") from None


def stream_traces(
    read: streaming.Reader,
    *,
    source: str,
    fmt: TraceFormat | None = None,
    batch_spans: int = 50_000,
) -> Iterator[list[Span]]:
    """The spans of a Jaeger `{"data": [...]}` document (see `streaming.streams`), in batches.

    A batch holds whole traces, `batch_spans` spans or a few more (the last may hold
    fewer). An error, raised when reached, names the source and the place as
    `parse_traces` would; batches before it were already given.
    """
    try:
        _insist(fmt, TraceFormat.JAEGER)
        with paused_gc():
            batch: list[tuple[str, jaeger.JaegerTrace]] = []
            held = 0
            for path, trace in streaming.jaeger_traces(read):
                batch.append((path, trace))
                held += len(trace.spans or ())
                if held >= batch_spans:
                    yield jaeger.to_spans(batch)
                    batch, held = [], 0
            if batch:
                yield jaeger.to_spans(batch)
    except TraceFormatError as error:
        raise TraceFormatError(f"{source}: {error}") from None


def _parse(body: bytes, fmt: TraceFormat | None) -> list[Span]:
    spans: list[Span] = []
    decoding.each_document(
        document.DECODER, body, lambda doc, buf: spans.extend(_spans_of(doc, buf, fmt))
    )
    return spans


def _spans_of(
    doc: document.Document, buf: bytes | memoryview, fmt: TraceFormat | None
) -> list[Span]:
    if isinstance(doc, list):
        return _spans_of_list(doc, fmt)
    found = _object_format(document.keys_of(doc))
    if found is None:
        _refuse(doc, decoding.top_level_keys(buf), fmt)
        return []
    _insist(fmt, found)
    if found is TraceFormat.OTLP:
        return otlp.to_spans(document.otlp_documents(doc, "$"))
    failure = _server_error(doc.errors) if doc.data is None else None
    if failure is not None:
        raise TraceFormatError(failure)
    return jaeger.to_spans(document.jaeger_traces(doc, "$"))


def _spans_of_list(
    doc: list[document.ListItem | list[zipkin.ZipkinSpan]], fmt: TraceFormat | None
) -> list[Span]:
    if not doc:
        return []
    first = doc[0]
    found = TraceFormat.ZIPKIN if isinstance(first, list) else _item_format(document.keys_of(first))
    if found is None:
        raise TraceFormatError(_NOT_AN_ITEM)
    _insist(fmt, found)
    if found is TraceFormat.ZIPKIN:
        return zipkin.to_spans(doc)
    items: list[tuple[str, document.ListItem]] = []
    for i, item in enumerate(doc):
        if isinstance(item, list) or _item_format(document.keys_of(item)) is not found:
            raise TraceFormatError(f"$[{i}]: {_NOT_A[found]} like the first one")
        items.append((f"$[{i}]", item))
    if found is TraceFormat.JAEGER:
        return jaeger.to_spans(
            trace for path, item in items for trace in document.jaeger_traces(item, path)
        )
    return otlp.to_spans(
        body for path, item in items for body in document.otlp_documents(item, path)
    )


def _object_format(keys: Set[str]) -> TraceFormat | None:
    if keys & _OTLP_KEYS:
        return TraceFormat.OTLP
    return TraceFormat.JAEGER if keys & _JAEGER_KEYS else None


def _item_format(keys: Set[str]) -> TraceFormat | None:
    if keys & _OTLP_KEYS:
        return TraceFormat.OTLP
    if keys & (_JAEGER_KEYS - {"data"}):
        return TraceFormat.JAEGER
    return TraceFormat.ZIPKIN if keys & _ZIPKIN_KEYS else None


def _insist(fmt: TraceFormat | None, found: TraceFormat) -> None:
    if fmt is not None and fmt is not found:
        raise TraceFormatError(f"{_NOT_A[fmt]}: it looks like {found.label}")


def _refuse(doc: document.TopObject, keys: list[str], fmt: TraceFormat | None) -> None:
    """Raise for an object of no known shape; return for an empty one, which has no spans."""
    if not keys:
        return
    for answer in (doc.errors, doc.error):
        failure = _server_error(answer)
        if failure is not None:
            raise TraceFormatError(failure)
    what = _NOT_A_TRACE if fmt is None else _NOT_A[fmt]
    raise TraceFormatError(f"{what} (top-level keys: {_listed(keys)})")


def _server_error(raw: msgspec.Raw) -> str | None:
    """What a server's error answer says (Jaeger's `errors`, api_v3's `error`), if anything."""
    try:
        answer: object = msgspec.json.decode(raw) if raw else None
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None
    answers = answer if isinstance(answer, list) else [answer]
    messages = [
        str(text)
        for item in answers
        if isinstance(item, dict)
        for text in (item.get("msg") or item.get("message"),)
        if text
    ]
    if not messages:
        return None
    return f"the server answered with an error, not traces: {'; '.join(messages)[:200]}"


def _listed(keys: Iterable[object]) -> str:
    names = [decoding.shortened(str(key)) for key in keys]
    shown = ", ".join(names[:_LISTED])
    return f"{shown}, ..." if len(names) > _LISTED else shown
