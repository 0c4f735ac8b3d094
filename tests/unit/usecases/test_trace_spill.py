"""Spans parked on disk by trace come back whole, each trace in one part, every field kept."""

from pathlib import Path

import pytest

from bot.usecases.trace_spill import SpanSpill
from topology.model import NodeKind, Span, SpanKind


def span(trace: str, number: int, start_us: int | None = None) -> Span:
    return Span(trace, f"{number:016x}", None, SpanKind.SERVER, "web", None, start_us=start_us)


ODD = Span(
    "4bf92f3577b34da6a3ce929d0e0e4736",
    "00f067aa0ba902b7",
    "00000000000000a1",
    SpanKind.PRODUCER,
    "bücher \u2603",
    "orders-queue",
    start_us=1_700_000_000_000_001,
    duration_us=0,
    error=True,
    shared=True,
    peer_kind=NodeKind.QUEUE,
    local_address=("10.0.0.7", None, 8080),
    inferred_peer="kafka",
)


def test_spans_come_back_with_every_field_and_each_trace_whole_in_one_part(tmp_path: Path) -> None:
    spill = SpanSpill(tmp_path, parts=3)
    first = [span(f"trace-{n % 7}", n, start_us=n) for n in range(40)]
    second = [span(f"trace-{n % 7}", 100 + n) for n in range(30)] + [ODD]

    spill.add(first)
    spill.add(second)
    parts = list(spill.parts())

    back = [s for part in parts for s in part]
    assert sorted(back, key=lambda s: (s.trace_id, s.span_id)) == sorted(
        first + second, key=lambda s: (s.trace_id, s.span_id)
    )
    assert ODD in back
    traces_per_part = [{s.trace_id for s in part} for part in parts]
    assert sum(len(traces) for traces in traces_per_part) == len(set().union(*traces_per_part))
    assert list(tmp_path.iterdir()) == []  # each part deleted once read


def test_a_part_cut_short_on_disk_is_an_os_error_not_a_crash(tmp_path: Path) -> None:
    spill = SpanSpill(tmp_path, parts=1)
    spill.add([span("t", n) for n in range(10)])
    spill.close()
    [path] = tmp_path.iterdir()
    path.write_bytes(path.read_bytes()[:-5])

    with pytest.raises(OSError, match="cut short"):
        list(spill.parts())
