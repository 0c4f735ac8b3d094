"""Pure helpers that read wire formats, reporting every problem as a SourceError."""

from __future__ import annotations

import json
from typing import TypeVar

import msgspec

from topology.errors import SourceError, TraceFormatError
from topology.model import Span
from topology.parsing import TraceFormat, parse_traces

T = TypeVar("T")


class Struct(msgspec.Struct, gc=False, forbid_unknown_fields=False):
    """A small answer of a backend; unknown fields are ignored."""


def decode(data: bytes, kind: type[T], *, source: str) -> T:
    """`data` decoded as `kind`; malformed, truncated or misshapen JSON raises SourceError."""
    try:
        return msgspec.json.decode(data, type=kind)
    except msgspec.ValidationError as error:
        _refuse_not_json(data, source)
        raise SourceError(f"{source}: not the expected answer: {error}") from None
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as error:
        raise SourceError(f"{source}: not JSON: {_why(error)}") from None


def _refuse_not_json(data: bytes, source: str) -> None:
    """Raise if `data` is not JSON at all: the shape was refused before its end was read."""
    try:
        msgspec.json.decode(data, type=msgspec.Raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as error:
        raise SourceError(f"{source}: not JSON: {_why(error)}") from None


def _why(error: Exception) -> str:
    return "it ends too early" if "truncated" in str(error) else str(error)


def spans(data: bytes, *, source: str, fmt: TraceFormat) -> list[Span]:
    """The spans of a trace answer, also when it is several JSON documents back to back.

    Newline-separated documents (a streamed answer) are read by `parse_traces` itself;
    documents written one after another on one line are split here first.
    """
    try:
        return parse_traces(data, source=source, fmt=fmt)
    except TraceFormatError as error:
        pieces = _documents(data)
        if len(pieces) < 2:  # noqa: PLR2004 - one document failed on its own
            raise SourceError(str(error)) from None
    found: list[Span] = []
    for piece in pieces:
        try:
            found.extend(parse_traces(piece, source=source, fmt=fmt))
        except TraceFormatError as error:
            raise SourceError(str(error)) from None
    return found


def _documents(data: bytes) -> list[bytes]:
    """Top-level JSON documents written back to back; [] when the bytes are not that."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return []
    decoder, at = json.JSONDecoder(), 0
    pieces: list[bytes] = []
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return pieces
        try:
            _, end = decoder.raw_decode(text, at)
        except json.JSONDecodeError:
            return []
        pieces.append(text[at:end].encode())
        at = end
