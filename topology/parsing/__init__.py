"""Trace documents (Jaeger, Zipkin, OTLP JSON) read into `topology.model.Span`.

`parse_traces` reads a whole document in one typed pass with the garbage collector
paused, tells the format from the keys it found, and reports every problem as a
`TraceFormatError` naming the source and the place. `stream_traces` reads any of
them (and JSON Lines of them) piece by piece, in batches of whole pieces, for files
too large to hold at once (see `pieces`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import msgspec

from topology.errors import TraceFormatError
from topology.gcpause import paused_gc
from topology.model import Span
from topology.parsing import decoding, document, formats, jaeger, otlp, pieces, streaming, zipkin
from topology.trace_formats import TraceFormat as TraceFormat  # re-exported for its readers

_NOT_A_TRACE = "not a Jaeger, Zipkin or OTLP document"
_LISTED = 10


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
    piece_limit: int = streaming.PIECE_LIMIT,
) -> Iterator[list[Span]]:
    """The spans of a trace document or of JSON Lines, read piece by piece, in batches.

    A batch holds whole pieces (see `pieces`), `batch_spans` spans or a few more (the
    last may hold fewer); a Jaeger trace or a Zipkin trace is one piece, but an OTLP
    resource or a Zipkin span holds part of a trace only. An error, raised when
    reached, names the source and the place as `parse_traces` would; batches before it
    were already given.
    """
    try:
        with paused_gc():
            for batch in piece_batches(read, fmt=fmt, batch_spans=batch_spans, limit=piece_limit):
                yield piece_spans(batch)
    except TraceFormatError as error:
        raise TraceFormatError(f"{source}: {error}") from None


def piece_batches(
    read: streaming.Reader,
    *,
    fmt: TraceFormat | None = None,
    batch_spans: int = 50_000,
    limit: int = streaming.PIECE_LIMIT,
) -> Iterator[list[pieces.Piece]]:
    """The pieces `stream_traces` reads, in its batches: whole pieces, all of one format.

    Errors do not name the source: the caller adds it.
    """

    def whole(doc: document.Document, buf: memoryview) -> list[Span]:
        return _spans_of(doc, buf, fmt)

    batch: list[pieces.Piece] = []
    held = 0
    for piece in pieces.pieces(read, whole, fmt=fmt, limit=limit):
        if batch and piece.fmt is not batch[0].fmt:
            yield batch
            batch, held = [], 0
        batch.append(piece)
        held += _size(piece)
        if held >= batch_spans:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


def _size(piece: pieces.Piece) -> int:
    """About how many spans a piece holds."""
    value = piece.value
    if isinstance(value, jaeger.JaegerTrace):
        return len(value.spans or ())
    if isinstance(value, otlp.ResourceSpans):
        return _group_size(value)
    if isinstance(value, otlp.TracesData):
        groups = (*(value.resource_spans or ()), *(value.batches or ()))
        return sum(_group_size(group) for group in groups)
    if value is None:
        return len(piece.spans or ())
    return 1 if isinstance(value, zipkin.ZipkinSpan) else len(value)


def _group_size(group: otlp.ResourceSpans) -> int:
    scopes = (*(group.scope_spans or ()), *(group.instrumentation_library_spans or ()))
    return sum(len(scope.spans or ()) for scope in scopes)


def piece_spans(batch: list[pieces.Piece]) -> list[Span]:
    """The spans of pieces all of one format."""
    fmt = batch[0].fmt
    if fmt is TraceFormat.JAEGER:
        return jaeger.to_spans(
            (p.path, p.value) for p in batch if isinstance(p.value, jaeger.JaegerTrace)
        )
    if fmt is TraceFormat.OTLP:
        return otlp.to_spans(
            (p.path, p.value)
            for p in batch
            if isinstance(p.value, otlp.ResourceSpans | otlp.TracesData)
        )
    if fmt is TraceFormat.ZIPKIN:
        return zipkin.items_to_spans(
            (p.path, p.value) for p in batch if isinstance(p.value, zipkin.ZipkinSpan | list)
        )
    return [span for p in batch for span in p.spans or ()]


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
    found = formats.object_format(document.keys_of(doc))
    if found is None:
        _refuse(doc, decoding.top_level_keys(buf), fmt)
        return []
    formats.insist(fmt, found)
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
    found = (
        TraceFormat.ZIPKIN
        if isinstance(first, list)
        else formats.item_format(document.keys_of(first))
    )
    if found is None:
        raise TraceFormatError(formats.NOT_AN_ITEM)
    formats.insist(fmt, found)
    if found is TraceFormat.ZIPKIN:
        return zipkin.to_spans(doc)
    items: list[tuple[str, document.ListItem]] = []
    for i, item in enumerate(doc):
        if isinstance(item, list) or formats.item_format(document.keys_of(item)) is not found:
            raise TraceFormatError(f"$[{i}]: {formats.NOT_A[found]} like the first one")
        items.append((f"$[{i}]", item))
    if found is TraceFormat.JAEGER:
        return jaeger.to_spans(
            trace for path, item in items for trace in document.jaeger_traces(item, path)
        )
    return otlp.to_spans(
        body for path, item in items for body in document.otlp_documents(item, path)
    )


def _refuse(doc: document.TopObject, keys: list[str], fmt: TraceFormat | None) -> None:
    """Raise for an object of no known shape; return for an empty one, which has no spans."""
    if not keys:
        return
    for answer in (doc.errors, doc.error):
        failure = _server_error(answer)
        if failure is not None:
            raise TraceFormatError(failure)
    what = _NOT_A_TRACE if fmt is None else formats.NOT_A[fmt]
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
