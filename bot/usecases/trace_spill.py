"""Spans parked in temporary files by trace, so that each trace is linked whole.

A flat list of Zipkin spans, or an OTLP export, may hold a trace's spans anywhere in
the file. Each span is written to one of `parts` files chosen by its trace id (the id
linking groups spans by); then the files are read back one at a time. Every trace lies
whole in one file, and memory holds one file's spans, not the whole import's.
"""

from __future__ import annotations

import errno
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import msgspec

from topology.model import Span

_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(list[Span])
_LENGTH_BYTES = 8
"""Each chunk of a file is its length (little-endian), then a msgpack array of spans."""


class SpanSpill:
    """Spans written to `parts` files under `directory` by trace, read back file by file."""

    def __init__(self, directory: Path, parts: int) -> None:
        self._paths = [directory / f"part-{i:04d}.msgpack" for i in range(max(1, parts))]
        self._files: dict[int, BinaryIO] = {}

    def add(self, spans: Iterable[Span]) -> None:
        """Park `spans`, each in the file of its trace."""
        count = len(self._paths)
        groups: dict[int, list[Span]] = {}
        if count == 1:
            groups[0] = list(spans)
        else:
            part_of: dict[str, list[Span]] = {}  # a trace's spans mostly come together
            for span in spans:
                group = part_of.get(span.trace_id)
                if group is None:
                    part = zlib.crc32(span.trace_id.encode()) % count
                    group = part_of[span.trace_id] = groups.setdefault(part, [])
                group.append(span)
        for part, group in groups.items():
            file = self._files.get(part)
            if file is None:
                file = self._files[part] = self._paths[part].open("wb")
            chunk = _ENCODER.encode(group)
            file.write(len(chunk).to_bytes(_LENGTH_BYTES, "little"))
            file.write(chunk)

    def parts(self) -> Iterator[list[Span]]:
        """The spans of each file in turn (only files that got any); each is deleted once read."""
        for file in self._files.values():
            file.close()
        for part, path in enumerate(self._paths):
            if part not in self._files:
                continue
            spans: list[Span] = []
            with path.open("rb") as file:
                while length := file.read(_LENGTH_BYTES):
                    size = int.from_bytes(length, "little")
                    chunk = file.read(size)
                    if len(length) < _LENGTH_BYTES or len(chunk) < size:
                        # Written above by this process: cut short only by a failing disk.
                        raise OSError(errno.EIO, f"{path.name}: parked spans cut short")
                    spans.extend(_DECODER.decode(chunk))
            path.unlink()
            yield spans

    def close(self) -> None:
        """Close the files still open (their directory is the caller's to remove)."""
        for file in self._files.values():
            file.close()
