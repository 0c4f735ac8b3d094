"""Faults the development day lacks, injected into its real traces; `python -m eval.injected`.

The Nezha day holds CPU, exception and wrong-return faults, and no network delay. This
injects, in each labelled fault's window (its inject time to 3 minutes on), a fault of
its own into another service, chosen at random (seeded) and not chosen again within the
hour, changing only the end times of the day's spans, as the fault would:

- `delay`: every message leaving the service's pods is late by `--delay-ms` (a netem delay
  on the pod's egress). A call into it is answered late, so the caller's client span
  ends later; a call it makes reaches the callee late, so its own client span does.
- `cpu`: each of the service's spans takes `--slowdown` times its self time (what it
  spends outside its child spans: its handler's work, and a client span's sending and
  receiving).

Every span ends later by what its descendants gained: calls are taken as made one after
the other. The traces alone are imported (the day's exceptions and wrong returns would
be a second root cause in the logs; its four CPU faults, from 13:31 on, still show in
the traces, and the service chosen there competes with them), and for each window
`svcmap rca ts-gateway-service` is asked as `eval.nezha` asks it. Prints AC@1, AC@3
and how often a high-confidence answer named another service first, per kind.
Figures only: nothing here asserts a target.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from eval.nezha import (
    AFTER,
    DAY,
    Fault,
    Outcome,
    ask,
    converted,
    faults,
    fresh_store,
    outcome,
    table,
)
from eval.otlp_spans import entry_service, raw_spans

KINDS = ("delay", "cpu")
QUIET = timedelta(hours=1)
"""A service is not chosen again within this long: its baseline hour holds no fault of ours."""


@dataclass(frozen=True, slots=True)
class Span:
    """What injecting reads of one span: its service, parent and times (ns)."""

    service: str
    parent: str
    start: int
    end: int


SpanKey = tuple[str, str]
"""A span's trace id and span id."""


def chosen(
    windows: Sequence[datetime], services: Sequence[str], avoid: Sequence[str], seed: int
) -> list[str]:
    """A service for each window: not `avoid`'s (the window's own fault), not twice an hour."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable choice, not a secret
    last: dict[str, datetime] = {}
    found = []
    for at, own in zip(windows, avoid, strict=True):
        free = [s for s in services if s != own and (s not in last or at - last[s] > QUIET)]
        pick = rng.choice(free or [s for s in services if s != own])
        last[pick] = at
        found.append(pick)
    return found


def gained(
    spans: dict[SpanKey, Span],
    faults: Sequence[Fault],
    kind: str,
    amount: float,
) -> dict[SpanKey, int]:
    """How much later (ns) each span ends with `faults` injected, if at all.

    `amount` is the delay in ns, or the slowdown factor.
    """
    children: defaultdict[SpanKey, list[SpanKey]] = defaultdict(list)
    for key, span in spans.items():
        if span.parent:
            children[(key[0], span.parent)].append(key)
    windows = [
        (int(f.at.timestamp() * 1e9), int((f.at + AFTER).timestamp() * 1e9), f.service)
        for f in faults
    ]

    def faulty(start: int) -> str | None:
        return next((name for low, high, name in windows if low <= start < high), None)

    found: dict[SpanKey, int] = {}
    for key in _children_first(spans, children):
        span = spans[key]
        below = children.get(key, [])
        extra = sum(found.get(child, 0) for child in below)
        at = faulty(span.start)
        if at is not None and kind == "delay":
            crossing = [c for c in below if spans[c].service != span.service]
            extra += int(amount) * sum(
                1 for c in crossing if at in (span.service, spans[c].service)
            )
        elif at == span.service and kind == "cpu":
            inside = sum(spans[c].end - spans[c].start for c in below)
            extra += int(max(0, span.end - span.start - inside) * (amount - 1))
        if extra:
            found[key] = extra
    return found


def _children_first(
    spans: dict[SpanKey, Span], children: dict[SpanKey, list[SpanKey]]
) -> Iterator[SpanKey]:
    """Every span after all its descendants (iteratively: a trace may be deep)."""
    done: set[SpanKey] = set()
    for root in spans:
        stack = [(root, False)]
        while stack:
            key, expanded = stack.pop()
            if key in done:
                continue
            if expanded:
                done.add(key)
                yield key
                continue
            stack.append((key, True))
            stack.extend((child, False) for child in children.get(key, ()) if child not in done)


def read_spans(documents: Sequence[dict[str, object]]) -> dict[SpanKey, Span]:
    """The spans of OTLP JSON trace documents (a span repeated in two files is read once)."""
    found: dict[SpanKey, Span] = {}
    for raw, service in raw_spans(documents):
        found.setdefault(
            _key(raw),
            Span(
                service,
                str(raw.get("parentSpanId", "")),
                int(str(raw["startTimeUnixNano"])),
                int(str(raw["endTimeUnixNano"])),
            ),
        )
    return found


def shift(documents: Sequence[dict[str, object]], later: dict[SpanKey, int]) -> None:
    """Move every copy of each span's end `later`, in place."""
    for raw, _ in raw_spans(documents):
        extra = later.get(_key(raw))
        if extra:
            raw["endTimeUnixNano"] = str(int(str(raw["endTimeUnixNano"])) + extra)


def _key(raw: dict[str, object]) -> SpanKey:
    return str(raw["traceId"]), str(raw["spanId"])


def run(files: Path, scratch: Path, kind: str, amount: float, seed: int) -> list[Outcome]:
    """Inject `kind` into a copy of the day's traces in `scratch`, import, and ask."""
    paths = sorted(files.glob("traces-*.json"))
    documents = [json.loads(path.read_text()) for path in paths]
    spans = read_spans(documents)
    labelled = faults()
    symptom = entry_service(documents)
    if symptom is None:
        raise SystemExit(f"{files}: no span starts a trace: no symptom to ask about")
    services = sorted({span.service for span in spans.values()} - {symptom})
    at = [fault.at for fault in labelled]
    picked = chosen(at, services, [fault.service for fault in labelled], seed)
    injected = [Fault(when, kind, name) for when, name in zip(at, picked, strict=True)]
    shift(documents, gained(spans, injected, kind, amount))
    out = scratch / kind
    out.mkdir()
    for path, document in zip(paths, documents, strict=True):
        (out / path.name).write_text(json.dumps(document))
    url, notes = fresh_store(out, out, traces_only=True)
    for note in notes:
        _say(f"  note: {note}")
    found = []
    for fault in injected:
        result = outcome(fault, ask(url, fault, symptom))
        found.append(result)
        where = f"#{result.position}" if result.position else "absent"
        _say(
            f"  {fault.at:%H:%M} {kind:6} {fault.service:32} {where:>6}"
            f"  {result.sureness:4} top {result.top}"
        )
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Inject each kind of fault, and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m eval.injected")
    parser.add_argument("--kind", choices=KINDS, action="append", help="default: both")
    parser.add_argument("--delay-ms", type=float, default=200.0, help="the network delay")
    parser.add_argument("--slowdown", type=float, default=3.0, help="CPU: own time times this")
    parser.add_argument("--seed", type=int, default=1, help="which services are chosen")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "svcmap-eval-nezha",
        help="where the converted day is kept between runs",
    )
    parser.add_argument("--keep", type=Path, help="keep the stores here (a new folder)")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    files = converted(DAY, args.cache)
    outcomes = []
    with tempfile.TemporaryDirectory() as temporary:
        scratch = Path(args.keep or temporary)
        if args.keep:
            scratch.mkdir(parents=True)
        for kind in args.kind or KINDS:
            amount = args.delay_ms * 1e6 if kind == "delay" else args.slowdown
            what = (
                f"{args.delay_ms:g} ms delay" if kind == "delay" else f"{args.slowdown:g}x own time"
            )
            _say(f"Nezha {DAY.name}, traces only, injected {what} (seed {args.seed}):")
            outcomes.extend(run(files, scratch, kind, amount, args.seed))
    _say("")
    for line in table(outcomes, "injected"):
        _say(line)
    return 0


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


if __name__ == "__main__":
    sys.exit(main())
