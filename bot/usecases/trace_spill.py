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


class SpanSpill:
    """Spans written to `parts` files under `directory` by trace, read back file by file."""

    def __init__(self, directory: Path, parts: int) -> None:
        self._paths = [directory / f"part-{i:04d}.pickle" for i in range(max(1, parts))]
        self._files: dict[int, BinaryIO] = {}

    def add(self, spans: Iterable[Span]) -> None:
        """Park `spans`, each in the file of its trace."""
        count = len(self._paths)
        rows: dict[int, list[_Row]] = {}
        for span in spans:
            part = zlib.crc32(span.trace_id.encode()) % count if count > 1 else 0
            rows.setdefault(part, []).append(_row(span))
        for part, chunk in rows.items():
            file = self._files.get(part)
            if file is None:
                file = self._files[part] = self._paths[part].open("wb")
            pickle.dump(chunk, file, protocol=pickle.HIGHEST_PROTOCOL)

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
                    spans.extend(Span(*row) for row in chunk)
            path.unlink()
            yield spans

    def close(self) -> None:
        """Close the files still open (their directory is the caller's to remove)."""
        for file in self._files.values():
            file.close()


def _row(span: Span) -> _Row:
    return (
        span.trace_id,
        span.span_id,
        span.parent_id,
        span.kind,
        span.local_service,
        span.remote_service,
        span.start_us,
        span.duration_us,
        span.error,
        span.shared,
        span.peer_kind,
        span.local_address,
        span.inferred_peer,
    )
