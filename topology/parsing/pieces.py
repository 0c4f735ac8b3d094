"""Trace documents of every format read piece by piece, never a whole large document at once.

A file holds one JSON document or several (JSON Lines). Each is read as it comes:
a list document element by element (a Zipkin span, a Zipkin trace, a Jaeger trace,
an OTLP body), an object's `data` (Jaeger), `resourceSpans` or `batches` (OTLP, Tempo)
lists element by element, also inside `result` (Jaeger api_v3) and `trace` (Tempo).
Every other value is small and read whole. Memory is bounded by the chunk read plus
the largest piece, and a piece larger than `streaming.PIECE_LIMIT` is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import msgspec

from topology.errors import TraceFormatError
from topology.model import Span
from topology.parsing import decoding, document, formats, streaming
from topology.parsing.jaeger import JaegerTrace
from topology.parsing.otlp import ResourceSpans, TracesData
from topology.parsing.zipkin import ZipkinSpan
from topology.trace_formats import TraceFormat

_Element = TypeVar("_Element", JaegerTrace, ResourceSpans)
_BOM = b"\xef\xbb\xbf"
_GZIP = b"\x1f\x8b"
_ITEM: msgspec.json.Decoder[document.ListItem | list[ZipkinSpan]] = msgspec.json.Decoder(
    document.ListItem | list[ZipkinSpan]
)
_KEY = msgspec.json.Decoder(str)
_RAW = msgspec.json.Decoder(msgspec.Raw)
_GROUP = msgspec.json.Decoder(ResourceSpans)
_TRACE = msgspec.json.Decoder(JaegerTrace)
_INNER = msgspec.json.Decoder(TracesData)
_GROUP_KEYS = frozenset({"resourceSpans", "batches"})
_NESTED_KEYS = frozenset({"result", "trace"})
_STREAMED_HEAD = (b"[", b'{"data"', b'{"resourceSpans"', b'{"batches"', b'{"result"', b'{"trace"')


@dataclass(frozen=True, slots=True)
class Piece:
    """A part of a document: a Jaeger trace, an OTLP resource's spans or body, Zipkin spans.

    With no `fmt`, `spans` holds the spans of a document small enough to be read whole.
    """

    fmt: TraceFormat | None
    path: str
    value: JaegerTrace | ResourceSpans | TracesData | ZipkinSpan | list[ZipkinSpan] | None
    spans: list[Span] | None = None


Whole = Callable[[document.Document, memoryview], list[Span]]
"""Reads a document decoded whole into spans, as `parse_traces` does."""


def streamable(head: bytes) -> bool:
    """Whether a document starting with `head` is a trace document this module reads piecewise."""
    compact = head.removeprefix(_BOM).lstrip()[:32]
    compact = compact.replace(b" ", b"").replace(b"\n", b"").replace(b"\t", b"").replace(b"\r", b"")
    return compact.startswith(_STREAMED_HEAD)


def whole_traces(head: bytes) -> bool:
    """Whether each piece of a document starting with `head` holds whole traces.

    Jaeger traces and Zipkin traces (lists of spans) do; a flat list of Zipkin spans
    and OTLP resources do not: a trace's spans may lie anywhere in them.
    """
    compact = head.removeprefix(_BOM).lstrip()
    compact = compact.replace(b" ", b"").replace(b"\n", b"").replace(b"\t", b"").replace(b"\r", b"")
    return compact.startswith((b'{"data"', b"[[", b'[{"traceID"'))


def pieces(
    read: streaming.Reader,
    whole: Whole,
    *,
    fmt: TraceFormat | None = None,
    chunk: int = streaming.CHUNK_BYTES,
    limit: int = streaming.PIECE_LIMIT,
) -> Iterator[Piece]:
    """The pieces of each document in the file `read` reads, in order.

    The second document and later ones (JSON Lines) have their line in their paths.
    """
    reader = _Reader(streaming.Buffer(read, chunk), whole, fmt, limit)
    yield from reader.documents()


class _Reader:
    def __init__(
        self, buffer: streaming.Buffer, whole: Whole, fmt: TraceFormat | None, limit: int
    ) -> None:
        self.buffer = buffer
        self.whole = whole
        self.fmt = fmt
        self.limit = limit
        self.found: TraceFormat | None = None  # the format of the document being read
        self.kept = 0  # bytes of its members read whole

    def documents(self) -> Iterator[Piece]:
        buffer = self.buffer
        while not buffer.ended and len(buffer.data) < len(_BOM) + len(_GZIP):
            buffer.more()
        if buffer.data.startswith(_BOM):
            buffer.at = len(_BOM)
        if buffer.data.startswith(_GZIP):
            raise TraceFormatError("compressed with gzip; decompress it first")
        count = 0
        while (first := buffer.next_byte()) is not None:
            line = buffer.where(buffer.at).split(",")[0]  # "line N"
            root = "$" if count == 0 else f"{line}: $"
            self.found, self.kept = None, 0
            try:
                if first == ord("["):
                    yield from self._list(root)
                elif first == ord("{"):
                    yield from self._object(root)
                else:
                    yield self._whole(root)
            except TraceFormatError as error:
                if count == 0 or str(error).startswith(line):
                    raise
                raise TraceFormatError(f"{line}: {error}") from None
            count += 1
        if count == 0:
            raise TraceFormatError("empty document")

    def _whole(self, root: str) -> Piece:
        buffer = self.buffer
        start = buffer.at
        doc = streaming.element(buffer, document.DECODER, root, limit=self.limit)
        view = memoryview(buffer.data)[start : buffer.at]
        return Piece(None, root, None, self.whole(doc, view))

    def _list(self, root: str) -> Iterator[Piece]:
        buffer = self.buffer
        buffer.at += 1
        index = 0
        if buffer.next_byte() == ord("]"):
            buffer.at += 1
            return
        while True:
            path = f"{root}[{index}]"
            item = streaming.element(buffer, _ITEM, path, limit=self.limit)
            yield from self._item(item, path, first=index == 0)
            if self._close(ord("]")):
                return
            index += 1

    def _item(
        self, item: document.ListItem | list[ZipkinSpan], path: str, *, first: bool
    ) -> Iterator[Piece]:
        if isinstance(item, list):
            found: TraceFormat | None = TraceFormat.ZIPKIN
        else:
            found = formats.item_format(document.keys_of(item))
        if first:
            if found is None:
                raise TraceFormatError(formats.NOT_AN_ITEM.replace("$[0]", path))
            formats.insist(self.fmt, found)
            self.found = found
        elif self.found is not TraceFormat.ZIPKIN and found is not self.found:
            expected = formats.NOT_A[self.found or TraceFormat.ZIPKIN]
            raise TraceFormatError(f"{path}: {expected} like the first one")
        if self.found is TraceFormat.ZIPKIN:
            yield Piece(TraceFormat.ZIPKIN, path, item)
        elif isinstance(item, list):
            return
        elif self.found is TraceFormat.JAEGER:
            for where, trace in document.jaeger_traces(item, path):
                yield Piece(TraceFormat.JAEGER, where, trace)
        else:
            for where, body in document.otlp_documents(item, path):
                yield Piece(TraceFormat.OTLP, where, body)

    def _object(self, root: str) -> Iterator[Piece]:
        """The pieces of an object document; the members not streamed are read together."""
        rest: list[bytes] = []
        for key, path in self._members(root):
            byte = self.buffer.next_byte()
            if key == "data" and byte == ord("["):
                self._settle(TraceFormat.JAEGER)
                yield from self._array(path, _TRACE, TraceFormat.JAEGER)
            elif key in _GROUP_KEYS and byte == ord("["):
                self._settle(TraceFormat.OTLP)
                yield from self._array(path, _GROUP, TraceFormat.OTLP)
            elif key in _NESTED_KEYS and byte == ord("{"):
                self._settle(TraceFormat.OTLP)
                yield from self._inner(path)
            else:
                raw = streaming.element(self.buffer, _RAW, path, limit=self.limit)
                self._keep(rest, key, raw, path)
        yield from self._rest(root, b"{" + b",".join(rest) + b"}")

    def _inner(self, path: str) -> Iterator[Piece]:
        """The pieces of `result` or `trace`: an OTLP body."""
        rest: list[bytes] = []
        for key, where in self._members(path):
            if key in _GROUP_KEYS and self.buffer.next_byte() == ord("["):
                yield from self._array(where, _GROUP, TraceFormat.OTLP)
            else:
                raw = streaming.element(self.buffer, _RAW, where, limit=self.limit)
                self._keep(rest, key, raw, where)
        body = _typed(_INNER, b"{" + b",".join(rest) + b"}", path)
        yield Piece(TraceFormat.OTLP, path, body)

    def _keep(self, rest: list[bytes], key: str, raw: msgspec.Raw, path: str) -> None:
        """Keep a member read whole, refusing once those kept pass the limit together."""
        rest.append(_KEY_ENCODER.encode(key) + b":" + bytes(raw))
        self.kept += len(rest[-1])
        if self.kept > self.limit:
            raise TraceFormatError(
                f"{path}: the members beside the spans pass {self.limit:,} bytes"
            )

    def _members(self, path: str) -> Iterator[tuple[str, str]]:
        """Each key of the object starting at the next byte, left before its value."""
        buffer = self.buffer
        buffer.at += 1
        if buffer.next_byte() == ord("}"):
            buffer.at += 1
            return
        while True:
            if buffer.next_byte() != ord('"'):
                streaming.unexpected(buffer, buffer.at, buffer.next_byte(), "a key")
            key = streaming.element(buffer, _KEY, path, limit=self.limit)
            colon = buffer.next_byte()
            if colon != ord(":"):
                streaming.unexpected(buffer, buffer.at, colon, "':'")
            buffer.at += 1
            yield key, f"{path}.{key}"
            if self._close(ord("}")):
                return

    def _array(
        self,
        path: str,
        decoder: msgspec.json.Decoder[_Element],
        fmt: TraceFormat,
    ) -> Iterator[Piece]:
        buffer = self.buffer
        buffer.at += 1
        if buffer.next_byte() == ord("]"):
            buffer.at += 1
            return
        index = 0
        while True:
            where = f"{path}[{index}]"
            yield Piece(fmt, where, streaming.element(buffer, decoder, where, limit=self.limit))
            if self._close(ord("]")):
                return
            index += 1

    def _close(self, closing: int) -> bool:
        """Move past a ',' (False) or `closing` (True) after a value; refuse anything else."""
        buffer = self.buffer
        following = buffer.next_byte()
        buffer.at += 1
        if following == closing:
            return True
        if following != ord(","):
            streaming.unexpected(buffer, buffer.at - 1, following, f"',' or '{chr(closing)}'")
        return False

    def _settle(self, found: TraceFormat) -> None:
        if self.found is None:
            formats.insist(self.fmt, found)
            self.found = found
        elif self.found is not found:
            raise TraceFormatError("both Jaeger data and OTLP spans")

    def _rest(self, root: str, members: bytes) -> Iterator[Piece]:
        """The members not streamed, read as a document of their own."""
        doc = _typed(document.DECODER, members, root)
        if not isinstance(doc, document.TopObject):
            return
        keys = document.keys_of(doc)
        if self.found is None:
            yield Piece(None, root, None, self.whole(doc, memoryview(members)))
        elif self.found is TraceFormat.JAEGER and keys & formats.OTLP_KEYS:
            raise TraceFormatError("both Jaeger data and OTLP spans")
        elif self.found is TraceFormat.OTLP and keys & formats.OTLP_KEYS:
            for where, body in document.otlp_documents(doc, root):
                yield Piece(TraceFormat.OTLP, where, body)


_KEY_ENCODER = msgspec.json.Encoder()


def _typed(decoder: msgspec.json.Decoder[decoding.T], data: bytes, path: str) -> decoding.T:
    try:
        return decoder.decode(data)
    except msgspec.ValidationError as error:
        typed = decoding.invalid(str(error))
        raise TraceFormatError(f"{path}{typed.removeprefix('$')}") from None
