"""What is done to the spans read from a trace file before they are linked."""

from __future__ import annotations

from dataclasses import dataclass, field

from topology.linking import Linked, with_inferred_peers
from topology.model import Span
from topology.redaction import Redaction
from topology.time_window import TimeWindow, spans_within
from topology.trace_ids import lower_trace_ids


@dataclass(frozen=True, slots=True)
class Preparation:
    """How spans are made ready to link: in this order, as an import does it.

    Their times checked against `window`, their names redacted, peers inferred (when
    `infer_peers`) and trace ids lowered to 64 bits (unless `strict_trace_id`).
    """

    window: TimeWindow
    redaction: Redaction = field(default_factory=lambda: Redaction(()))
    infer_peers: bool = False
    strict_trace_id: bool = False

    def spans(self, read: list[Span]) -> tuple[list[Span], int]:
        """The spans of `read` ready to link, and how many the window refused."""
        spans, refused = spans_within(read, self.window)
        self.redaction.spans(spans)
        if self.infer_peers:
            spans = with_inferred_peers(spans)
        if not self.strict_trace_id:
            lower_trace_ids(spans)
        return spans, refused


@dataclass(slots=True)
class LinkedBatch:
    """What linking a batch of prepared spans found, the spans kept and those refused."""

    linked: Linked = field(default_factory=Linked)
    spans: int = 0
    refused: int = 0
