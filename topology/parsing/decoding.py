"""Fast JSON decoding, where every failure becomes a TraceFormatError saying where and why."""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Callable, Iterator
from typing import TypeVar

import msgspec

from topology.errors import TraceFormatError

T = TypeVar("T")

_BOM = b"\xef\xbb\xbf"
_GZIP = b"\x1f\x8b"
_MALFORMED = re.compile(r"JSON is malformed: (?P<what>.*) \(byte (?P<at>\d+)\)", re.DOTALL)
_AT_PATH = re.compile(r"(?P<what>.*) - at `(?P<path>[^`]*)`", re.DOTALL)
_EXPECTED = re.compile(r"Expected `(?P<want>[^`]*)`, got `(?P<got>[^`]*)`")
_MISSING = re.compile(r"Object missing required field `(?P<field>[^`]*)`")
_JSON_TYPES = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "a boolean",
    "object": "an object",
    "array": "a list",
    "null": "null",
}
_RAW = msgspec.json.Decoder(msgspec.Raw)
_KEYS = msgspec.json.Decoder(dict[str, msgspec.Raw])

Scalar = str | int | float | bool | None
"""A tag or attribute value, once decoded; lists and objects are not wanted."""

_SCALAR: msgspec.json.Decoder[Scalar] = msgspec.json.Decoder(Scalar)
_SHOWN = 40


class Wire(msgspec.Struct, gc=False):
    """A decoded piece of a wire format: part of a tree, so never of a reference cycle.

    Untracked by the garbage collector, a million of them cost it nothing.
    """


class NotJSONError(TraceFormatError):
    """The bytes are not one JSON document."""


class BadValueError(ValueError):
    """A value in one span cannot be read; the loop over spans adds where it is."""

    def __init__(self, what: str, field: str | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.field = field

    def at(self, path: str) -> TraceFormatError:
        """The error to report, for the span at JSON path `path`."""
        where = f"{path}.{self.field}" if self.field else path
        return TraceFormatError(f"{where}: {self.what}")


class TimeRangeError(BadValueError):
    """A time that is a whole number, but not one within 64 bits."""


TIME_LIMIT = 2**64
"""No time on the wire is as large: OTLP's are unsigned 64-bit nanoseconds."""
_TIME_DIGITS = len(str(TIME_LIMIT))


def time_number(
    value: float | str | None, field: str, unit: str, *, signed: bool = True
) -> int | None:
    """A time as a JSON number or a string of digits, None when absent.

    A value that is not a whole number within 64 bits (NaN, 5,000 digits, 1e30), or is
    negative when not `signed`, is a `BadValueError` naming `field`; a fraction is cut
    off. Whether the time is sensible (after 1970, not far ahead) is for the caller to
    judge, record by record.
    """
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) < _TIME_DIGITS and value.isascii() and value.isdigit():
            return int(value)  # the common case: fewer digits than 2**64 has, none negative
        digits = value.removeprefix("-") if signed else value
        if not (digits.isascii() and digits.isdigit()):
            raise BadValueError(f"not a time in {unit}: {shown(value)}", field)
        if len(digits) > _TIME_DIGITS:
            raise TimeRangeError(f"a time in {unit} out of range: {shown(value)}", field)
        number = int(value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise BadValueError(f"not a time in {unit}: {shown(value)}", field)
    else:
        number = int(value)
    if not -TIME_LIMIT < number < TIME_LIMIT:
        raise TimeRangeError(f"a time in {unit} out of range: {shown(value)}", field)
    if number < 0 and not signed:
        raise BadValueError(f"a negative time in {unit}: {shown(value)}", field)
    return number


def shortened(text: str) -> str:
    """Text for an error message, cut short if long."""
    return text if len(text) <= _SHOWN else f"{text[: _SHOWN - 3]}..."


def shown(value: object) -> str:
    """A value quoted for an error message, cut short if long."""
    return shortened(repr(value))


def scalar(raw: msgspec.Raw) -> Scalar:
    """A raw tag value decoded; None when it is a list, an object or nothing at all."""
    try:
        return _SCALAR.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None


def body_of(data: bytes) -> bytes:
    """The document without a UTF-8 byte-order mark; refuses what cannot be JSON at all."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    if data.startswith(_GZIP):
        raise TraceFormatError("compressed with gzip; decompress it first")
    if not data.strip():
        raise TraceFormatError("empty document")
    return data


def decode(decoder: msgspec.json.Decoder[T], buf: bytes | memoryview, *, one_line: bool) -> T:
    """Decode `buf`; errors name the JSON path, or the line and column of bad syntax."""
    try:
        return decoder.decode(buf)
    except msgspec.ValidationError as error:
        raise TraceFormatError(invalid(str(error))) from None
    except msgspec.DecodeError as error:
        if not is_utf8(buf):
            raise NotJSONError("not JSON: not UTF-8 text") from None
        raise NotJSONError(_malformed(str(error), buf, one_line=one_line)) from None
    except UnicodeDecodeError:
        raise NotJSONError("not JSON: not UTF-8 text") from None
    except RecursionError:
        raise TraceFormatError("nested too deeply to be a trace document") from None


def is_utf8(buf: bytes | memoryview) -> bool:
    """Whether `buf` is UTF-8 text."""
    try:
        codecs.decode(buf, "utf-8")
    except UnicodeDecodeError:
        return False
    return True


def top_level_keys(buf: bytes | memoryview) -> list[str]:
    """The keys of a JSON object (known to be one)."""
    keys: dict[str, msgspec.Raw] = decode(_KEYS, buf, one_line=True)
    return list(keys)


def json_lines(body: bytes) -> Iterator[tuple[int, memoryview]]:
    """Each non-blank line of a JSON Lines document, with its number (from 1)."""
    view = memoryview(body)
    start, number = 0, 1
    while start < len(body):
        end = body.find(b"\n", start)
        end = len(body) if end < 0 else end
        if body[start:end].strip():
            yield number, view[start:end]
        start, number = end + 1, number + 1


def each_document(
    decoder: msgspec.json.Decoder[T],
    body: bytes,
    use: Callable[[T, bytes | memoryview], None],
) -> None:
    """Call `use` on the document `body` holds, or on each line's when it is JSON Lines.

    An error on a line, in decoding it or in `use`, names the line.
    """
    try:
        doc = decode(decoder, body, one_line=False)
    except NotJSONError:
        if not looks_like_json_lines(body):
            raise
    else:
        use(doc, body)
        return
    for number, line in json_lines(body):
        try:
            use(decode(decoder, line, one_line=True), line)
        except TraceFormatError as error:
            raise TraceFormatError(f"line {number}: {error}") from None


def looks_like_json_lines(body: bytes) -> bool:
    """Whether the first non-blank line is a JSON document of its own and more lines follow."""
    lines = json_lines(body)
    first = next(lines, None)
    if first is None:
        return False
    try:
        _RAW.decode(first[1])
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return False
    return next(lines, None) is not None


def malformed_at(message: str) -> tuple[str, int] | None:
    """What msgspec's syntax error `message` says is wrong, and at which byte; None if unsaid."""
    match = _MALFORMED.fullmatch(message)
    return None if match is None else (match["what"], int(match["at"]))


def _malformed(message: str, buf: bytes | memoryview, *, one_line: bool) -> str:
    found = malformed_at(message)
    if found is None:
        return "not JSON: it ends too early" if "truncated" in message else f"not JSON: {message}"
    what, at = found
    before = bytes(buf[:at])
    column = at - before.rfind(b"\n")
    line = before.count(b"\n") + 1
    where = f"column {column}" if one_line else f"line {line}, column {column}"
    return f"not JSON ({where}): {what}"


def invalid(message: str) -> str:
    """A validation error of msgspec said as `$.path: what was wrong`."""
    match = _AT_PATH.fullmatch(message)
    what, path = (match["what"], match["path"]) if match else (message, "$")
    expected = _EXPECTED.fullmatch(what)
    missing = _MISSING.fullmatch(what)
    if expected is not None:
        wanted = [_JSON_TYPES.get(name, name) for name in expected["want"].split(" | ")]
        wanted = [name for name in wanted if name != "null"] or ["null"]
        if "a number" in wanted and "an integer" in wanted:
            wanted.remove("an integer")
        got = _JSON_TYPES.get(expected["got"], expected["got"])
        what = f"expected {' or '.join(wanted)}, got {got}"
    elif missing is not None:
        what = f"missing {missing['field']}"
    else:
        what = what[:1].lower() + what[1:]
    return f"{path}: {what}"
