"""Spans parked in temporary files by trace, so that each trace is linked whole.

A flat list of Zipkin spans, or an OTLP export, may hold a trace's spans anywhere in
the file. Each span is written to one of `parts` files chosen by its trace id (the id
linking groups spans by); then the files are read back one at a time. Every trace lies
whole in one file, and memory holds one file's spans, not the whole import's.
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Iterable, Iterator
from itertools import starmap
from operator import attrgetter
from pathlib import Path
from typing import BinaryIO

from topology.model import NodeKind, Span, SpanKind

_Row = tuple[
    str,
    str,
    str | None,
    SpanKind | None,
    str | None,
    str | None,
    int | None,
    int | None,
    bool,
    bool,
    NodeKind | None,
    tuple[str | None, str | None, int | None] | None,
    str | None,
]


_ROW = attrgetter(*Span.__struct_fields__)
"""A span's fields as a tuple, in the order Span takes them."""


class SpanSpill:
    """Spans written to `parts` files under `directory` by trace, read back file by file."""

    def __init__(self, directory: Path, parts: int) -> None:
        self._paths = [directory / f"part-{i:04d}.pickle" for i in range(max(1, parts))]
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
            rows: list[_Row] = list(map(_ROW, group))
            pickle.dump(rows, file, protocol=pickle.HIGHEST_PROTOCOL)

    def parts(self) -> Iterator[list[Span]]:
        """The spans of each file in turn (only files that got any); each is deleted once read."""
        for file in self._files.values():
            file.close()
        for part, path in enumerate(self._paths):
            if part not in self._files:
                continue
            spans: list[Span] = []
            with path.open("rb") as file:
                while True:
                    try:
                        chunk: list[_Row] = pickle.load(file)  # noqa: S301 - written just above by this process
                    except EOFError:
                        break
                    spans.extend(starmap(Span, chunk))
            path.unlink()
            yield spans

    def close(self) -> None:
        """Close the files still open (their directory is the caller's to remove)."""
        for file in self._files.values():
            file.close()
