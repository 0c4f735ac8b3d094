"""A batch of calls grouped by trace, and which of them count given the traces remembered."""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, groupby
from typing import TYPE_CHECKING, TypeVar

from bot.adapters.store.keys import call_keys, served_keys, trace_keys
from topology.aggregate import minute_of
from topology.model import trace_of_key

if TYPE_CHECKING:
    from topology.model import Call, Served

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Trace:
    """What is remembered of one trace: the minute it began and its key hashes, sorted."""

    start: int
    hashes: array[int]


@dataclass(frozen=True, slots=True)
class Batch:
    """The calls and served requests of one import, their key hashes, and their traces."""

    calls: Sequence[Call]
    call_hashes: array[int]
    served: Sequence[Served]
    served_hashes: array[int]
    traces: dict[int, Trace]
    repeats: bool
    """Whether some key occurs more than once in the batch."""


@dataclass(frozen=True, slots=True)
class Decision:
    """What an import adds: the calls and served requests that count, the traces that grew."""

    calls: Sequence[Call]
    served: Sequence[Served]
    grown: dict[int, Trace]


def gather(calls: Sequence[Call], served: Sequence[Served], now_s: int) -> Batch:
    """Hash the keys of a batch and group the hashes by trace."""
    call_ids = [call.key for call in calls]
    served_ids = [request.key for request in served]
    call_hashes, served_hashes = call_keys(call_ids), served_keys(served_ids)
    parts: dict[str, tuple[list[int], list[array[int]]]] = {}
    for trace_id, start, hashes in chain(
        _runs(calls, call_ids, call_hashes), _runs(served, served_ids, served_hashes)
    ):
        part = parts.get(trace_id)
        if part is None:
            part = parts[trace_id] = ([], [])
        part[0].append(start)
        part[1].append(hashes)
    traces: dict[int, Trace] = {}
    for key, (starts, slices) in zip(trace_keys(parts), parts.values(), strict=True):
        first = min(filter(None, starts), default=None)
        trace = Trace(minute_of(first, now_s), array("q", sorted(set(chain(*slices)))))
        other = traces.get(key)
        traces[key] = trace if other is None else _union(other, trace)
    unique = sum(len(trace.hashes) for trace in traces.values())
    repeats = unique != len(calls) + len(served)
    return Batch(
        calls=calls,
        call_hashes=call_hashes,
        served=served,
        served_hashes=served_hashes,
        traces=traces,
        repeats=repeats,
    )


def decide(batch: Batch, known: Mapping[int, Trace]) -> Decision:
    """The calls that count: those of new traces, and those a known trace lacked (late spans).

    `known` holds what was remembered, before this import, of the batch's traces.
    """
    if not known:
        return Decision(
            _first(batch.calls, batch.call_hashes, repeats=batch.repeats),
            _first(batch.served, batch.served_hashes, repeats=batch.repeats),
            {},
        )
    grown: dict[int, Trace] = {}
    for key, remembered in known.items():
        trace = batch.traces[key]
        if trace.hashes != remembered.hashes:
            old = set(remembered.hashes)
            if any(hash_ not in old for hash_ in trace.hashes):
                grown[key] = _union(remembered, trace)
    if not grown and len(known) == len(batch.traces):
        return Decision([], [], {})
    stale = set(chain.from_iterable(remembered.hashes for remembered in known.values()))
    return Decision(
        _first_unless(batch.calls, batch.call_hashes, stale),
        _first_unless(batch.served, batch.served_hashes, stale),
        grown,
    )


def _runs(
    items: Sequence[Call] | Sequence[Served], keys: list[str], hashes: array[int]
) -> Iterator[tuple[str, int, array[int]]]:
    """Per run of items of one trace: its id, the earliest start (0 if none), the hashes."""
    starts = [item.start_us for item in items]
    end = 0
    # Linking yields a trace's calls together: work run by run, not item by item.
    for trace_id, run in groupby([trace_of_key(key) for key in keys]):
        begin, end = end, end + len(list(run))
        yield trace_id, min(filter(None, starts[begin:end]), default=0), hashes[begin:end]


def _union(one: Trace, other: Trace) -> Trace:
    hashes = array("q", sorted(set(one.hashes).union(other.hashes)))
    return Trace(min(one.start, other.start), hashes)


def _first(items: Sequence[T], hashes: array[int], *, repeats: bool) -> Sequence[T]:
    """The first item of each hash, in order."""
    if not repeats:
        return items
    first = dict(zip(hashes, items, strict=True))
    first.update(zip(reversed(hashes), reversed(items), strict=True))
    return list(first.values())


def _first_unless(items: Sequence[T], hashes: array[int], stale: set[int]) -> list[T]:
    """The first item of each hash not in `stale`, in order."""
    first: dict[int, T] = {}
    for hash_, item in zip(hashes, items, strict=True):
        if hash_ not in stale:
            first.setdefault(hash_, item)
    return list(first.values())
