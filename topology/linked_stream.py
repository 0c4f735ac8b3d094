"""A trace document of whole traces read piece by piece and linked batch by batch.

Jaeger traces are linked straight from their decoded structs (`jaeger_links`); the
pieces of other formats are read into spans, prepared and linked.
"""

from __future__ import annotations

from collections.abc import Iterator

from topology.errors import TraceFormatError
from topology.gcpause import paused_gc
from topology.jaeger_links import link_traces
from topology.linking import link
from topology.parsing import piece_batches, piece_spans, streaming
from topology.parsing.jaeger import JaegerTrace
from topology.preparing import LinkedBatch, Preparation
from topology.trace_formats import TraceFormat


def stream_linked(
    read: streaming.Reader,
    *,
    source: str,
    prep: Preparation,
    fmt: TraceFormat | None = None,
    batch_spans: int = 50_000,
    piece_limit: int = streaming.PIECE_LIMIT,
) -> Iterator[LinkedBatch]:
    """What each batch of `stream_traces` links to once prepared by `prep`.

    The document's pieces must hold whole traces (`pieces.whole_traces`): a trace split
    between batches would be linked as two. Errors name the source and the place as
    `stream_traces` does.
    """
    try:
        with paused_gc():
            for batch in piece_batches(read, fmt=fmt, batch_spans=batch_spans, limit=piece_limit):
                if batch[0].fmt is TraceFormat.JAEGER:
                    traces = [(p.path, p.value) for p in batch if isinstance(p.value, JaegerTrace)]
                    yield link_traces(traces, prep)
                else:
                    spans, refused = prep.spans(piece_spans(batch))
                    yield LinkedBatch(link(spans), len(spans), refused)
    except TraceFormatError as error:
        raise TraceFormatError(f"{source}: {error}") from None
