"""The bench's generated trace files: the OTLP JSON Lines hold the spans the Jaeger one does."""

from __future__ import annotations

from collections import Counter

from bench.generate_traces import generate
from topology.linking import link
from topology.parsing import parse_traces


def edges(data: bytes) -> Counter[tuple[str, str, bool]]:
    calls = link(parse_traces(data, source="generated")).calls
    return Counter((call.parent, call.child, call.error) for call in calls)


def test_the_otlp_file_links_to_the_calls_of_the_jaeger_file(tmp_path):
    jaeger, otlp = tmp_path / "traces.json", tmp_path / "traces.jsonl"

    traces = generate(jaeger, 3_000, seed=5)
    assert generate(otlp, 3_000, seed=5, fmt="otlp") == traces

    lines = otlp.read_bytes().splitlines()
    assert len(lines) == 1  # fewer traces than a line holds
    assert len(lines[0].split(b'"service.name"')) > 20  # a resource per service
    expected = edges(jaeger.read_bytes())
    assert sum(expected.values()) > 1_000
    assert edges(otlp.read_bytes()) == expected
