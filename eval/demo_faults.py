"""Root causes in a second application, the demo shop: `python -m eval.demo_faults`.

Nezha's day is Train Ticket alone; this scores the same ranking on another shape of
application: the demo shop's 16 services (an OpenTelemetry demo: gRPC and HTTP calls,
Kafka producers and consumers, a database, a cache, an external payment API). Its
traffic (`bot.demo.traces.build_trace`, `RATE` requests a second, seeded) and its log
lines (`bot.demo.logs`: a few INFO and WARN lines a minute per service, an ERROR for each
exception) are laid out on one timeline: an hour of healthy traffic, then one fault after
another, each in force for `FAULT_MINUTES` and followed by healthy minutes up to
`SPACING_MINUTES`, so that a fault's baseline hour holds earlier faults of other services,
as on a busy day. Every service gets every kind of fault `svcmap demo break` puts, in a
seeded order, each of one strength chosen once (`KINDS`), not fitted to the figures;
`--scale 0.25` makes every fault a quarter as strong, to see where finding them ends.

The timeline is written as OTLP JSON files, as a Collector's file exporter writes them,
imported by `svcmap import` into a fresh SQLite store, and for each fault
`svcmap rca <entry service> --at <start + 3m> --window 3m --baseline 1h --json` is asked,
as `eval.nezha` asks. Prints each fault's outcome, then AC@1, AC@3 and how often a
`high` answer named another service first, per kind; the faults no answer named, by
service; and, asked the same way after each fault once it is lifted (`QUIET_AFTER`), how
often a window with no fault in force got an empty ranking, and a confident one (which
would page a team for nothing). A fault in a service the entry's requests do not wait on
(a Kafka consumer) changes nothing the entry serves: the ranking may rightly stay quiet.
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
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.demo.faults import Fault as DemoFault
from bot.demo.logs import NS_PER_MINUTE, DemoLog, exception_logs, minute_logs
from bot.demo.shop import SERVICES
from bot.demo.traces import DemoSpan, build_trace
from eval.nezha import Fault, Outcome, ask, fresh_store, outcome, table
from eval.otlp_spans import entry_service

KINDS = {
    "errors": DemoFault("", errors=0.2),
    "latency": DemoFault("", latency_ms=200.0),
    "network": DemoFault("", network_ms=200.0),
    "exceptions": DemoFault("", exceptions=0.2),
}
"""Each kind's fault, as `svcmap demo break SERVICE --errors 20%` (and so on) puts it."""
RATE = 2.0
"""Requests a second, the demo's own."""
WARM_MINUTES = 60
FAULT_MINUTES = 4
SPACING_MINUTES = 10
QUIET_AFTER = 6
"""Minutes from a fault's start to the start of the window asked with none in force."""
FILE_MINUTES = 60
"""Minutes of the timeline per written file."""
START = datetime(2026, 1, 5, tzinfo=UTC)
NS = 1_000_000_000


def schedule(seed: int) -> list[Fault]:
    """Every (service, kind) fault once, in a seeded order, `SPACING_MINUTES` apart."""
    pairs = [(service, kind) for service in SERVICES for kind in KINDS]
    random.Random(seed).shuffle(pairs)  # noqa: S311 - an evaluation's order, not a secret
    first = START + timedelta(minutes=WARM_MINUTES)
    return [
        Fault(first + timedelta(minutes=i * SPACING_MINUTES), kind, service)
        for i, (service, kind) in enumerate(pairs)
    ]


def in_force(
    faults: Sequence[Fault], moment: datetime, *, scale: float = 1.0
) -> dict[str, DemoFault]:
    """The demo faults acting on a request arriving at `moment`, `scale` times as strong."""
    return {
        fault.service: scaled(replace(KINDS[fault.kind], service=fault.service), scale)
        for fault in faults
        if fault.at <= moment < fault.at + timedelta(minutes=FAULT_MINUTES)
    }


def scaled(fault: DemoFault, scale: float) -> DemoFault:
    """`fault` with its shares of requests and its delays `scale` times as large."""
    if scale == 1.0:
        return fault
    return replace(
        fault,
        errors=fault.errors * scale,
        latency_ms=fault.latency_ms * scale,
        network_ms=fault.network_ms * scale,
        exceptions=fault.exceptions * scale,
    )


def timeline(
    faults: Sequence[Fault], seed: int, *, scale: float = 1.0
) -> Iterator[tuple[list[DemoSpan], list[DemoLog]]]:
    """The spans and log lines of each `FILE_MINUTES` of the timeline, in order."""
    rng = random.Random(seed)  # noqa: S311 - simulated traffic
    log_rng = random.Random(seed + 1)  # noqa: S311 - the same
    end = (faults[-1].at if faults else START) + timedelta(minutes=SPACING_MINUTES)
    gap_ns = round(NS / RATE)
    moment_ns = int(START.timestamp()) * NS
    end_ns = int(end.timestamp()) * NS
    while moment_ns < end_ns:
        until_ns = min(end_ns, moment_ns + FILE_MINUTES * NS_PER_MINUTE)
        spans: list[DemoSpan] = []
        logs: list[DemoLog] = []
        for minute_ns in range(moment_ns, until_ns, NS_PER_MINUTE):
            logs += minute_logs(log_rng, minute_ns)
        while moment_ns < until_ns:
            at = datetime.fromtimestamp(moment_ns / NS, tz=UTC)
            spans += build_trace(rng, moment_ns, in_force(faults, at, scale=scale))
            moment_ns += gap_ns
        yield spans, logs + exception_logs(spans)


def traces_document(spans: Sequence[DemoSpan]) -> dict[str, object]:
    """OTLP JSON `resourceSpans`: a resource per service."""
    by_service: defaultdict[str, list[dict[str, object]]] = defaultdict(list)
    for span in spans:
        by_service[span.service].append(
            {
                "traceId": span.trace_id.hex(),
                "spanId": span.span_id.hex(),
                "parentSpanId": span.parent_id.hex(),
                "name": span.name,
                "kind": span.kind,
                "startTimeUnixNano": str(span.start_ns),
                "endTimeUnixNano": str(span.end_ns),
                "attributes": _attributes(span.attrs),
                "status": {"code": 2} if span.error else {},
            }
        )
    return {
        "resourceSpans": [
            {"resource": _resource(service), "scopeSpans": [{"spans": listed}]}
            for service, listed in sorted(by_service.items())
        ]
    }


def logs_document(lines: Sequence[DemoLog]) -> dict[str, object]:
    """OTLP JSON `resourceLogs`: a resource per service."""
    by_service: defaultdict[str, list[dict[str, object]]] = defaultdict(list)
    for line in lines:
        by_service[line.service].append(
            {
                "timeUnixNano": str(line.time_ns),
                "severityText": line.severity,
                "body": {"stringValue": line.body},
                "attributes": _attributes(line.attrs),
                "traceId": line.trace_id.hex(),
                "spanId": line.span_id.hex(),
            }
        )
    return {
        "resourceLogs": [
            {"resource": _resource(service), "scopeLogs": [{"logRecords": listed}]}
            for service, listed in sorted(by_service.items())
        ]
    }


def _resource(service: str) -> dict[str, object]:
    return {"attributes": _attributes({"service.name": service})}


def _attributes(attrs: dict[str, str]) -> list[dict[str, object]]:
    return [{"key": key, "value": {"stringValue": value}} for key, value in attrs.items()]


def write(faults: Sequence[Fault], seed: int, out: Path, *, scale: float = 1.0) -> str:
    """The timeline's files in `out`; the service starting the most traces (the symptom)."""
    symptom = None
    for i, (spans, logs) in enumerate(timeline(faults, seed, scale=scale)):
        document = traces_document(spans)
        symptom = symptom or entry_service([document])
        (out / f"traces-{i:03}.json").write_text(json.dumps(document))
        (out / f"logs-{i:03}.json").write_text(json.dumps(logs_document(logs)))
    if symptom is None:
        raise SystemExit("the timeline holds no trace")
    return symptom


def unnamed(outcomes: Sequence[Outcome]) -> list[str]:
    """Per service, the kinds of its faults no answer named (above or below the threshold)."""
    missed: defaultdict[str, list[str]] = defaultdict(list)
    for o in outcomes:
        if not o.named:
            missed[o.fault.service].append(o.fault.kind)
    return [
        f"  {service:16} {', '.join(sorted(kinds))}" for service, kinds in sorted(missed.items())
    ]


def quiet_windows(faults: Sequence[Fault]) -> list[Fault]:
    """After each fault, a window in which none is in force: asked as the faults are.

    It ends `AFTER` past `QUIET_AFTER` minutes from the fault's start: by then the fault has
    been lifted for a few minutes, and the next one has not begun.
    """
    return [
        replace(fault, at=fault.at + timedelta(minutes=QUIET_AFTER), kind="none")
        for fault in faults
    ]


def quiet_lines(answers: Sequence[tuple[Fault, dict[str, object]]]) -> list[str]:
    """How often windows with no fault got an empty ranking, and a confident one."""
    empty = sum(1 for _, report in answers if not report.get("ranking"))
    sure = [(window, report) for window, report in answers if report.get("confidence") == "high"]
    lines = [
        f"  {len(answers)} windows: {empty / len(answers):.2f} empty,"
        f" {len(sure) / len(answers):.2f} confident"
    ]
    for window, report in sure:
        first = report.get("ranking")
        named = first[0].get("service") if isinstance(first, list) and first else None
        lines.append(f"  confident at {window.at:%H:%M}: {named} (after {window.service}'s fault)")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Lay out the timeline, import it, ask about each fault, and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m eval.demo_faults")
    parser.add_argument("--seed", type=int, default=1, help="the traffic's and the order's")
    parser.add_argument("--keep", type=Path, help="keep the files and the store here (new)")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="every fault this many times as strong (0.25: errors 5%%, latency 50 ms, ...)",
    )
    args = parser.parse_args(argv)
    faults = schedule(args.seed)
    with tempfile.TemporaryDirectory() as temporary:
        scratch = Path(args.keep or temporary)
        scratch.mkdir(parents=True, exist_ok=bool(not args.keep))
        symptom = write(faults, args.seed, scratch, scale=args.scale)
        url, notes = fresh_store(scratch, scratch, traces_only=False)
        strength = f", {args.scale:g}x as strong" if args.scale != 1.0 else ""
        _say(f"Demo shop, {len(faults)} faults one at a time{strength}, {symptom} asked:")
        for note in notes:
            _say(f"  note: {note}")
        outcomes = []
        for fault in faults:
            result = outcome(fault, ask(url, fault, symptom))
            outcomes.append(result)
            _say(
                f"  {fault.at:%H:%M} {fault.kind:10} {fault.service:16} {result.placed:>10}"
                f"  {result.sureness:4} top {result.top}"
            )
        quiet = [(window, ask(url, window, symptom)) for window in quiet_windows(faults)]
    _say("")
    for line in table(outcomes, "fault kind"):
        _say(line)
    _say("")
    _say(f"With no fault in force ({QUIET_AFTER} minutes after each fault's start):")
    for line in quiet_lines(quiet):
        _say(line)
    missing = unnamed(outcomes)
    if missing:
        _say("")
        _say("Named by no answer, by service:")
        for line in missing:
            _say(line)
    return 0


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


if __name__ == "__main__":
    sys.exit(main())
