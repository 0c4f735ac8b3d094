"""Write a Jaeger JSON trace set of N spans over a random service topology.

    .venv/bin/python -m bench.generate_traces [PATH] [--spans N] [--seed S] [--format F]

200 services call each other in random trees of 10-40 spans per trace: client/server
pairs, and leaf database calls named by `peer.service`. The same seed and size write the
same bytes; an existing file of the right size is reused (a `.meta` file beside it says).
`--format otlp` writes the same spans as OTLP JSON Lines, as a Collector's file exporter
does: a line per 2,000 traces, one resource per service, so a trace's spans lie in many
resources.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

DEFAULT_PATH = Path("/tmp/svcmap-bench/traces-1m.json")  # noqa: S108 - a scratch file
DEFAULT_SPANS = 1_000_000
DEFAULT_SEED = 1
VERSION = 1
"""Bumped whenever the generator's output changes, so that old files are not reused."""

SERVICES = 200
DATABASES = 20
END_US = 1_777_604_400_000_000  # 2026-05-01T03:00:00Z
WINDOW_US = 3_600_000_000
CHUNK_TRACES = 2_000

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Topology:
    """Who may call whom: services call later services, some also a database."""

    names: list[str]
    callees: list[list[int]]
    databases: list[str | None]

    @classmethod
    def random(cls, rng: random.Random) -> Topology:
        """A random layered topology: no cycles, a few entry points, deep call chains."""
        names = [f"svc-{index:03d}" for index in range(SERVICES)]
        callees = []
        for index in range(SERVICES):
            later = range(index + 1, min(SERVICES, index + 40))
            callees.append(rng.sample(later, min(len(later), rng.randint(1, 6))))
        databases = [
            f"db-{rng.randrange(DATABASES):02d}" if rng.random() < 0.4 else None
            for _ in range(SERVICES)
        ]
        return cls(names, callees, databases)


@dataclass(slots=True)
class TraceBuilder:
    """Builds one trace's Jaeger spans."""

    rng: random.Random
    topology: Topology
    trace_id: str
    spans: list[Json] = field(default_factory=list)
    processes: dict[str, str] = field(default_factory=dict)

    def span(self, service: int, parent: str | None, start: int, tags: list[Json]) -> Json:
        """Add a span of `service` under `parent`."""
        name = self.topology.names[service]
        process = self.processes.setdefault(name, f"p{len(self.processes) + 1}")
        span_id = f"{self.rng.getrandbits(64):016x}"
        references = [{"refType": "CHILD_OF", "traceID": self.trace_id, "spanID": parent}]
        span = {
            "traceID": self.trace_id,
            "spanID": span_id,
            "operationName": f"{name}/op",
            "references": references if parent else [],
            "startTime": start,
            "duration": 0,
            "tags": tags,
            "logs": [],
            "processID": process,
        }
        self.spans.append(span)
        return span

    def build(self, budget: int, start: int) -> None:
        """Grow a call tree from a random entry service until `budget` spans are made."""
        rng, topology = self.rng, self.topology
        entry = rng.randrange(10)
        root = self.span(entry, None, start, [_tag("span.kind", "server")])
        root["duration"] = rng.randint(5_000, 500_000)
        pending = deque([(root, entry)])
        while pending and len(self.spans) < budget:
            server, service = pending.popleft()
            offset, room = server["startTime"], server["duration"]
            database = topology.databases[service]
            if database and rng.random() < 0.5:
                tags = [_tag("span.kind", "client"), _tag("peer.service", database)]
                self.span(service, server["spanID"], offset + 10, tags)["duration"] = room // 4
            for callee in topology.callees[service]:
                if len(self.spans) + 2 > budget:
                    break
                failed = rng.random() < 0.01
                client = self.span(service, server["spanID"], offset + 20, _kind("client", failed))
                client["duration"] = room // 3 + 60
                child = self.span(callee, client["spanID"], offset + 50, _kind("server", failed))
                child["duration"] = room // 3
                pending.append((child, callee))


def _tag(key: str, value: object) -> Json:
    kind = "bool" if isinstance(value, bool) else "string"
    return {"key": key, "type": kind, "value": value}


def _kind(kind: str, failed: object) -> list[Json]:
    tags = [_tag("span.kind", kind)]
    if failed:
        tags.append(_tag("error", True))
    return tags


def generate(path: Path, spans: int, seed: int, fmt: str = "jaeger") -> int:
    """Write `spans` spans to `path` as one Jaeger document (or OTLP JSON Lines); the traces."""
    if fmt == "otlp":
        return _generate_otlp(path, spans, seed)
    rng = random.Random(seed)
    topology = Topology.random(rng)
    path.parent.mkdir(parents=True, exist_ok=True)
    made = traces = 0
    with path.open("wb") as out:
        out.write(b'{"data":[')
        while made < spans:
            chunk: list[Json] = []
            while made < spans and len(chunk) < CHUNK_TRACES:
                builder = TraceBuilder(rng, topology, f"{rng.getrandbits(128):032x}")
                builder.build(
                    min(rng.randint(10, 40), spans - made), END_US - rng.randrange(WINDOW_US)
                )
                made += len(builder.spans)
                chunk.append(
                    {
                        "traceID": builder.trace_id,
                        "spans": builder.spans,
                        "processes": {
                            pid: {"serviceName": name, "tags": []}
                            for name, pid in builder.processes.items()
                        },
                    }
                )
            out.write((b"," if traces else b"") + orjson.dumps(chunk)[1:-1])
            traces += len(chunk)
        out.write(b"]}")
    return traces


def _generate_otlp(path: Path, spans: int, seed: int) -> int:
    """The spans `generate` writes for a Jaeger document, as OTLP JSON Lines."""
    rng = random.Random(seed)
    topology = Topology.random(rng)
    path.parent.mkdir(parents=True, exist_ok=True)
    made = traces = 0
    with path.open("wb") as out:
        while made < spans:
            resources: dict[str, list[Json]] = {}
            for _ in range(CHUNK_TRACES):
                if made >= spans:
                    break
                builder = TraceBuilder(rng, topology, f"{rng.getrandbits(128):032x}")
                builder.build(
                    min(rng.randint(10, 40), spans - made), END_US - rng.randrange(WINDOW_US)
                )
                made += len(builder.spans)
                traces += 1
                names = {pid: name for name, pid in builder.processes.items()}
                for span in builder.spans:
                    resources.setdefault(names[span["processID"]], []).append(_otlp_span(span))
            line = {
                "resourceSpans": [
                    {
                        "resource": {"attributes": [_attribute("service.name", name)]},
                        "scopeSpans": [{"scope": {"name": "bench"}, "spans": group}],
                    }
                    for name, group in resources.items()
                ]
            }
            out.write(orjson.dumps(line) + b"\n")
    return traces


_OTLP_KINDS = {"server": 2, "client": 3}


def _otlp_span(span: Json) -> Json:
    tags = {tag["key"]: tag["value"] for tag in span["tags"]}
    start_ns = span["startTime"] * 1000
    otlp: Json = {
        "traceId": span["traceID"],
        "spanId": span["spanID"],
        "name": span["operationName"],
        "kind": _OTLP_KINDS.get(str(tags.get("span.kind")), 1),
        "startTimeUnixNano": str(start_ns),
        "endTimeUnixNano": str(start_ns + span["duration"] * 1000),
        "attributes": [
            _attribute(key, value) for key, value in tags.items() if key == "peer.service"
        ],
        "status": {"code": 2 if tags.get("error") else 0},
    }
    if span["references"]:
        otlp["parentSpanId"] = span["references"][0]["spanID"]
    return otlp


def _attribute(key: str, value: object) -> Json:
    return {"key": key, "value": {"stringValue": value}}


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta")


def ensure(
    path: Path, spans: int = DEFAULT_SPANS, seed: int = DEFAULT_SEED, fmt: str = "jaeger"
) -> Path:
    """Make sure `path` holds the trace set of this size, seed and format, writing it if not."""
    wanted: dict[str, object] = {"version": VERSION, "spans": spans, "seed": seed}
    if fmt != "jaeger":
        wanted["format"] = fmt
    meta = _meta_path(path)
    if path.exists() and meta.exists():
        known = orjson.loads(meta.read_bytes())
        if known.pop("bytes", None) == path.stat().st_size and known == wanted:
            print(f"generate: reusing {path} ({spans:,} spans, {_mb(path)})")
            return path
    started = time.perf_counter()
    traces = generate(path, spans, seed, fmt)
    seconds = time.perf_counter() - started
    meta.write_bytes(orjson.dumps({**wanted, "bytes": path.stat().st_size}))
    print(
        f"generate: {spans:,} spans in {traces:,} traces in {seconds:.1f} s -> {path} ({_mb(path)})"
    )
    return path


def _mb(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:,.0f} MB"


def main() -> None:
    """Command line: where, how many spans, which seed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--spans", type=int, default=DEFAULT_SPANS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--format", choices=("jaeger", "otlp"), default="jaeger")
    args = parser.parse_args()
    ensure(args.path, args.spans, args.seed, args.format)


if __name__ == "__main__":
    main()
