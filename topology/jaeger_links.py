"""Jaeger traces linked straight from their decoded structs, without a `Span` per span.

A large import is mostly traces of one common shape: every span of the trace has the
trace's id, a canonical span id of its own (16 lower-case hex digits), one CHILD_OF
reference in the trace or none, whole times within the import's window, and a process
named by id. Such a trace is read into plain rows and linked as rows (`row_links`), by
the rules of `topology.linking` on a tree whose span ids are distinct.
Every other trace, and every batch where one trace lies in several pieces or one piece
holds several traces, takes the general path: `jaeger.to_spans`, `Preparation.spans`,
`link`, which gives the same calls and served requests (a property test holds the two
to it) and says what is wrong with bad input.
"""

from __future__ import annotations

from collections.abc import Sequence

from topology.linking import link
from topology.model import SpanKind
from topology.parsing import ids, jaeger, naming
from topology.parsing.decoding import TIME_LIMIT, Scalar, scalar
from topology.preparing import LinkedBatch, Preparation
from topology.row_links import Row, link_rows
from topology.trace_ids import low_trace_id

_HEX = "0123456789abcdef"
_HEX_BYTES = _HEX.encode()
_SHORT_ID = 16
_CHILD_OF = "CHILD_OF"
_SPAN_KIND = "span.kind"
_KINDS: dict[Scalar, SpanKind] = {kind.value: kind for kind in SpanKind}
_US = 1_000_000
_ZEROS = "0" * _SHORT_ID


def link_traces(traces: Sequence[tuple[str, jaeger.JaegerTrace]], prep: Preparation) -> LinkedBatch:
    """Prepare and link the spans of `traces` (each with its JSON path), as a batch."""
    return _Linker(prep).batch(traces)


class _Linker:
    """One batch's linking, with the names and ids it has read once."""

    def __init__(self, prep: Preparation) -> None:
        self.prep = prep
        self.names: dict[str | None, str | None] = {None: None}  # raw -> cleaned, redacted
        self.peers: dict[str, str] = {}  # remote names, redacted
        self.trace_ids: dict[str, str] = {}  # raw -> canonical, lowered unless strict
        window = prep.window
        self.earliest_us = window.earliest_s * _US
        self.until_us = (window.latest_s + 1) * _US

    def batch(self, traces: Sequence[tuple[str, jaeger.JaegerTrace]]) -> LinkedBatch:
        """Link every trace of the batch, each the common way when it can be."""
        units: list[tuple[str, jaeger.JaegerTrace, tuple[str, list[Row], set[str]] | None]] = []
        seen: set[str] = set()
        for path, trace in traces:
            spans = trace.spans
            if not spans:
                continue
            read = self.rows(trace, spans)
            trace_id = read[0] if read is not None else self.only_trace_id(spans)
            if trace_id is None or trace_id in seen:
                return self.general(traces)  # traces mixed in pieces: grouped by the batch
            seen.add(trace_id)
            units.append((path, trace, read))
        result = LinkedBatch()
        linked = result.linked
        for path, trace, read in units:
            if read is None:
                other = self.general([(path, trace)])
                linked.calls += other.linked.calls
                linked.served += other.linked.served
                linked.traces += other.linked.traces
                result.spans += other.spans
                result.refused += other.refused
            else:
                link_rows(*read, linked.calls, linked.served)
                linked.traces += 1
                result.spans += len(read[1])
        return result

    def general(self, traces: Sequence[tuple[str, jaeger.JaegerTrace]]) -> LinkedBatch:
        """The general path: spans made, prepared, then linked."""
        spans, refused = self.prep.spans(jaeger.to_spans(traces))
        return LinkedBatch(link(spans), len(spans), refused)

    def trace_id(self, raw: str) -> str:
        """The id a raw trace id is linked and remembered under."""
        found = self.trace_ids.get(raw)
        if found is None:
            found = ids.jaeger_trace_id(raw)
            if not self.prep.strict_trace_id:
                found = low_trace_id(found)
            self.trace_ids[raw] = found
        return found

    def only_trace_id(self, spans: list[jaeger.JaegerSpan]) -> str | None:
        """The one id the spans of a piece are linked under; None when they have several."""
        found = {self.trace_id(span.trace_id) for span in spans if span.trace_id}
        return found.pop() if len(found) == 1 else None

    def name(self, raw: str | None) -> str | None:
        """A service name as the general path makes it: cleaned, then redacted."""
        names = self.names
        if raw in names:
            return names[raw]
        name = naming.clean_name(raw) if raw is not None else None
        if name is not None and self.prep.redaction:
            name = self.prep.redaction.name(name)
        names[raw] = name
        return name

    def peer(self, name: str) -> str:
        """A remote name, redacted."""
        found = self.peers.get(name)
        if found is None:
            found = self.peers[name] = self.prep.redaction.name(name)
        return found

    def rows(  # noqa: PLR0911, PLR0912, PLR0915 - one loop over every span, left at the first odd one
        self, trace: jaeger.JaegerTrace, spans: list[jaeger.JaegerSpan]
    ) -> tuple[str, list[Row], set[str]] | None:
        """The trace's id, rows and span ids when every span has the common shape, else None."""
        raw_trace = spans[0].trace_id
        if not raw_trace:
            return None
        name, peer = self.name, self.peer
        processes = trace.processes
        services: dict[str | None, str | None] = (
            {pid: name(p.service_name) for pid, p in processes.items()} if processes else {}
        )
        earliest, until = max(self.earliest_us, 1), min(self.until_us, TIME_LIMIT)
        redact, infer = bool(self.prep.redaction), self.prep.infer_peers
        tag_facts, nobody = jaeger.tag_facts, naming.NOBODY
        rows: list[Row] = []
        parent_ids: list[str] = []
        kinds, read_kind = _KINDS, scalar
        for span in spans:
            span_id = span.span_id
            start = span.start_time
            if (
                span.trace_id != raw_trace
                or span.process is not None
                or type(start) is not int
                or not earliest <= start < until
            ):
                return None
            references = span.references
            if references:
                if len(references) != 1:
                    return None
                reference = references[0]
                parent = reference.span_id
                if reference.ref_type != _CHILD_OF or reference.trace_id != raw_trace or not parent:
                    return None
                parent_ids.append(parent)  # checked canonical below, with the span ids
                if parent == span_id:
                    parent = None
            elif span.parent_span_id:
                return None
            else:
                parent = None
            duration = span.duration
            if type(duration) is not int or not 0 < duration < TIME_LIMIT:
                if duration is not None and (
                    type(duration) is not int or not -TIME_LIMIT < duration <= 0
                ):
                    return None
                duration = None
            tags = span.tags
            # The common span has no tags the map reads but a kind (as `tag_facts` finds).
            if not tags:
                kind = remote = peer_kind = None
                error = False
            elif (
                len(tags) == 1
                and tags[0].key == _SPAN_KIND
                and (kind := kinds.get(read_kind(tags[0].value)))
            ):
                remote = peer_kind = None
                error = False
            else:
                kind, side, error = tag_facts(tags)
                if side is nobody:
                    remote = peer_kind = None
                else:
                    remote, peer_kind = side.service, side.kind
                    if infer and remote is None:
                        remote = side.inferred
                    if redact and remote is not None:
                        remote = peer(remote)
            rows.append(
                (
                    span_id,
                    parent,
                    kind,
                    services.get(span.process_id),  # pids are strings: None finds nobody
                    remote,
                    start,
                    duration,
                    error,
                    peer_kind,
                )
            )
        span_ids = [row[0] for row in rows]
        distinct = set(span_ids)
        if (
            len(distinct) != len(span_ids)
            or not _canonical(span_ids)
            or not _canonical(parent_ids)
            or _ZEROS in parent_ids
        ):
            return None
        return self.trace_id(raw_trace), rows, distinct


def _canonical(span_ids: list[str]) -> bool:
    """Whether every id is 16 lower-case hex digits."""
    joined = "".join(span_ids)
    return (
        len(joined) == _SHORT_ID * len(span_ids)
        and joined.isascii()
        and not joined.encode().translate(None, _HEX_BYTES)  # nothing but hex digits
        and set(map(len, span_ids)) <= {_SHORT_ID}
    )
