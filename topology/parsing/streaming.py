"""A JSON document read value by value from a reader, never the whole document at once.

The bytes come in chunks. msgspec finds where a value ends (decoding it as raw JSON
stops at the first byte after it and says where), then decodes that value alone,
typed. Memory is bounded by the chunk size plus the largest value read, whatever the
document's size. Errors say what the whole-document parser says: the JSON path
(`$.data[7].spans[2].startTime`), or the line and column of bad syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NoReturn, TypeVar

import msgspec

from topology.errors import TraceFormatError
from topology.parsing import decoding

T = TypeVar("T")
Reader = Callable[[int], bytes]
"""Returns up to n more bytes of the document; b"" at its end."""

CHUNK_BYTES = 8 * 1024 * 1024
_SPACE = b" \t\r\n"
_TRAILING = re.compile(r"JSON is malformed: trailing characters \(byte (?P<at>\d+)\)")
_TRUNCATED = "Input data was truncated"
_RAW = msgspec.json.Decoder(msgspec.Raw)
PIECE_LIMIT = 256 * 1024 * 1024
"""The most bytes one streamed piece (a trace, a resource's spans) may take."""


class Buffer:
    """The unread part of the document, and where it lies in the whole."""

    def __init__(self, read: Reader, chunk: int) -> None:
        self._read = read
        self._chunk = chunk
        self.data = b""
        self.at = 0  # the next unread byte of `data`
        self._offset = 0  # where data[0] lies in the document
        self._lines = 0  # newlines before data[0]
        self._last_newline = -1  # position in the document of the last of them
        self.ended = False

    def more(self) -> bool:
        """Read another chunk (at least as much as is left unread); False at the end."""
        if self.ended:
            return False
        data, at = self.data, self.at
        # Most documents are one line: looking for the last newline is quick, and the lines
        # are counted (which reads every byte) only when there is one.
        last = data.rfind(b"\n", 0, at)
        if last >= 0:
            self._lines += data.count(b"\n", 0, at)
            self._last_newline = self._offset + last
        self._offset += at
        rest = data[at:]
        added = self._read(max(self._chunk, len(rest)))
        if not added:
            self.ended = True
        self.data, self.at = rest + added, 0
        return bool(added)

    def next_byte(self) -> int | None:
        """The next byte that is not white space, left unread; None at the end."""
        while True:
            data, at = self.data, self.at
            while at < len(data) and data[at] in _SPACE:
                at += 1
            self.at = at
            if at < len(data):
                return data[at]
            if not self.more():
                return None

    def where(self, at: int) -> str:
        """The line and column of `data[at]`, as the whole-document parser gives them."""
        before = self.data[:at]
        newlines = before.count(b"\n")
        last = self._offset + before.rfind(b"\n") if newlines else self._last_newline
        return f"line {self._lines + newlines + 1}, column {self._offset + at - last}"


def element(
    buffer: Buffer, decoder: msgspec.json.Decoder[T], path: str, *, limit: int = PIECE_LIMIT
) -> T:
    """Decode the JSON value starting at the next byte and move past it.

    A value longer than `limit` bytes is refused before more of it is read.
    """
    if buffer.next_byte() is None:
        raise TraceFormatError("not JSON: it ends too early")
    while True:
        start = buffer.at
        view = memoryview(buffer.data)[start:]
        try:
            _RAW.decode(view)
        except msgspec.DecodeError as error:
            message = str(error)
            trailing = _TRAILING.fullmatch(message)
            if trailing is not None:
                end = start + int(trailing["at"]) - 1  # msgspec counts the byte read
                break
            cut = message == _TRUNCATED or _at_end(message, len(view))
            if cut and len(view) <= limit and buffer.more():
                continue
            if cut and len(view) > limit:
                raise TraceFormatError(f"{path}: larger than {limit:,} bytes") from None
            _typed(buffer, decoder, start, view, path)  # says what is wrong as a whole read would
            bad_syntax(buffer, start, message, view)
        except RecursionError:
            raise TraceFormatError("nested too deeply to be a trace document") from None
        else:
            end = len(buffer.data)  # the document ends with this element: bad, said below
            break
    buffer.at = end
    piece = memoryview(buffer.data)[start:end]  # its raw tag values keep a reference
    return _typed(buffer, decoder, start, piece, path)


def _at_end(message: str, size: int) -> bool:
    """Whether msgspec's syntax error is at the end of the bytes read: a number cut short."""
    at = decoding.malformed_at(message)
    return at is not None and at[1] >= size


def _typed(
    buffer: Buffer, decoder: msgspec.json.Decoder[T], start: int, piece: memoryview, path: str
) -> T:
    """The value in `piece` (at `start` in the buffer), or the first fault in it."""
    try:
        return decoder.decode(piece)
    except msgspec.ValidationError as error:
        typed = decoding.invalid(str(error))
        raise TraceFormatError(f"{path}{typed.removeprefix('$')}") from None
    except msgspec.DecodeError as error:
        bad_syntax(buffer, start, str(error), piece)
    except UnicodeDecodeError:
        raise TraceFormatError("not JSON: not UTF-8 text") from None
    except RecursionError:
        raise TraceFormatError("nested too deeply to be a trace document") from None


def bad_syntax(buffer: Buffer, start: int, message: str, view: memoryview) -> NoReturn:
    """Refuse the bytes in `view` (at `start`) as msgspec's `message` says, line and column."""
    if not decoding.is_utf8(view):
        raise TraceFormatError("not JSON: not UTF-8 text")
    at = decoding.malformed_at(message)
    if at is None:
        raise TraceFormatError(
            "not JSON: it ends too early" if "truncated" in message else f"not JSON: {message}"
        )
    what, offset = at
    raise TraceFormatError(f"not JSON ({buffer.where(start + offset)}): {what}")


def unexpected(buffer: Buffer, at: int, found: int | None, wanted: str) -> NoReturn:
    """Refuse the byte `found` at `at` where `wanted` was due."""
    if found is None:
        raise TraceFormatError("not JSON: it ends too early")
    raise TraceFormatError(f"not JSON ({buffer.where(at)}): expected {wanted}")
