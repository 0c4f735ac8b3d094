"""Score root-cause ranking on a Nezha day (by default Train Ticket's); `python -m eval.nezha`.

The day is turned into OTLP JSON by the shared converter (cached), imported with
`svcmap import` into a fresh SQLite store, and for each labelled fault `svcmap rca
SYMPTOM --at <inject_time + 3m> --window 3m --baseline 1h --json` is asked, SYMPTOM being
the service that starts the most of the day's traces (Train Ticket's `ts-gateway-service`).
The root cause is the injected pod's service. Prints AC@1 and AC@3 per fault type and
overall, over the ranking and over the ranking followed by the candidates named below the
threshold (`below_threshold`), and how often the ranking was `high` confidence with the
wrong service on top.

    --traces-only    import the traces alone (no logs, no metrics)
    --json-lines     the logs as structured lines with no severity of their own
                     (`eval.json_lines`): the figures should match those of the plain lines
    --leave-one-out  also: per fault type, the settings chosen on the other types,
                     scored on the type left out (`eval.holdout`)
    --day DIR        another day, of this application or another, in the same layout
    --symptom NAME   the service asked about, instead of the one starting the most traces
Figures only: nothing here asserts a target.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from eval.holdout import Case, cases_from, held_out
from eval.json_lines import restructured
from eval.otlp_spans import entry_service
from topology.rca import Snapshot, load_snapshot

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DAY = SHARED / "datasets" / "nezha-tt" / "2023-01-29"
CONVERTER = SHARED / "tools" / "nezha_to_otlp.py"
WINDOW = "3m"
BASELINE = "1h"
WINDOWS = ("--window", WINDOW, "--baseline", BASELINE)
RCA_OPTIONS = (*WINDOWS, "--json")
AFTER = timedelta(minutes=3)
"""The symptom is asked about this long after the injection: the incident window's end."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One labelled fault: when, of what type, in which service."""

    at: datetime
    kind: str
    service: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where the labelled root cause landed (0 when absent), and the ranking's confidence."""

    fault: Fault
    position: int
    confident: bool
    top: str | None
    named: int = 0
    """Where it landed in the ranking followed by the candidates below the threshold."""

    @property
    def placed(self) -> str:
        """Where the root cause landed, in words: `#2`, `#1 (below)` the threshold, `absent`."""
        if self.position:
            return f"#{self.position}"
        return f"#{self.named} (below)" if self.named else "absent"

    @property
    def sureness(self) -> str:
        """The ranking's confidence: `high` or `low`."""
        return "high" if self.confident else "low"

    @property
    def sure_but_wrong(self) -> bool:
        """Whether the ranking was confident and named another service first."""
        return self.confident and self.position != 1


def faults(day: Path = DAY) -> list[Fault]:
    """The labelled faults of `day`, in time order."""
    listed = json.loads((day / "fault_list.json").read_text())
    found = [
        Fault(
            datetime.strptime(item["inject_time"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC),
            item["inject_type"],
            item["inject_pod"].rsplit("-", 2)[0],
        )
        for hour in listed.values()
        for item in hour
    ]
    return sorted(found, key=lambda fault: fault.at)


def converted(day: Path, cache: Path) -> Path:
    """The day as OTLP JSON files, converted once into `cache` and reused after."""
    out = cache / f"otlp-{day.name}"
    done = out / ".converted"
    if not done.is_file():
        _run([sys.executable, str(CONVERTER), str(day), str(out)])
        done.write_text(str(day) + "\n")
    return out


def fresh_store(files: Path, scratch: Path, *, traces_only: bool) -> tuple[str, list[str]]:
    """A new SQLite store with the day imported; the URL, and what could not be imported."""
    url = f"sqlite:///{scratch / 'nezha.db'}"
    kinds = ["traces"] if traces_only else ["traces", "logs", "metrics"]
    notes = []
    for kind in kinds:
        paths = sorted(str(p) for p in files.glob(f"{kind}-*.json"))
        if not paths:
            notes.append(f"no {kind} to import")
            continue
        answer = subprocess.run(  # noqa: S603 - the installed CLI of this checkout
            [_svcmap(), "--db", url, "import", "--json", *paths],
            capture_output=True,
            text=True,
            check=False,
        )
        report = _json_or_none(answer.stdout)
        failed = report.get("failed", []) if isinstance(report, dict) else None
        if answer.returncode != 0 or failed:
            why = (answer.stderr.strip().splitlines() or [f"{len(failed or [])} files failed"])[-1]
            notes.append(f"{kind} not imported: {why}")
    return url, notes


def ask(url: str, fault: Fault, symptom: str) -> dict[str, object]:
    """The `rca --json` answer for `fault`, asked about `symptom`."""
    at = (fault.at + AFTER).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = subprocess.run(  # noqa: S603 - the installed CLI of this checkout
        [_svcmap(), "--db", url, "rca", symptom, "--at", at, *RCA_OPTIONS],
        capture_output=True,
        text=True,
        check=False,
    )
    report = _json_or_none(answer.stdout)
    if not isinstance(report, dict):
        return {"ranking": [], "confidence": "low", "error": answer.stderr.strip()}
    return report


def outcome(fault: Fault, report: dict[str, object]) -> Outcome:
    """Where `fault`'s service landed in `report`."""
    names = _services(report, "ranking")
    position = names.index(fault.service) + 1 if fault.service in names else 0
    named = [*names, *_services(report, "below_threshold")]
    at = named.index(fault.service) + 1 if fault.service in named else 0
    confident = report.get("confidence") == "high"
    return Outcome(
        fault=fault,
        position=position,
        confident=confident,
        top=named[0] if named else None,
        named=at,
    )


def _services(report: dict[str, object], key: str) -> list[str]:
    listed = report.get(key)
    return [str(c["service"]) for c in listed] if isinstance(listed, list) else []


def table(outcomes: Sequence[Outcome], group: str = "fault type") -> list[str]:
    """AC@1, AC@3 and the confident-but-wrong share, per fault type and overall.

    AC@k over the ranking, then over the ranking followed by those below the threshold.
    """
    groups: defaultdict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[o.fault.kind].append(o)
    lines = [
        f"{'':16} {'':>5} {'ranking':>13} {'with below':>13}",
        f"{group:16} {'cases':>5} {'AC@1':>6} {'AC@3':>6} {'AC@1':>6} {'AC@3':>6}"
        f" {'high':>5} {'high&wrong':>11}",
    ]
    for name, members in [*sorted(groups.items()), ("overall", list(outcomes))]:
        lines.append(
            f"{name:16} {len(members):>5} {top(members, 1):>6.2f} {top(members, 3):>6.2f}"
            f" {top(members, 1, below=True):>6.2f} {top(members, 3, below=True):>6.2f}"
            f" {sum(o.confident for o in members):>5}"
            f" {sum(o.sure_but_wrong for o in members):>4} ({wrong_share(members):.2f})"
        )
    return lines


def top(outcomes: Sequence[Outcome], k: int, *, below: bool = False) -> float:
    """The share of outcomes with the root cause in the first `k` (`below`: of all named)."""
    if not outcomes:
        return 0.0
    return sum(1 for o in outcomes if 0 < (o.named if below else o.position) <= k) / len(outcomes)


def wrong_share(outcomes: Sequence[Outcome]) -> float:
    """The share of outcomes that were high confidence with the wrong service first."""
    return sum(o.sure_but_wrong for o in outcomes) / len(outcomes) if outcomes else 0.0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m eval.nezha")
    parser.add_argument("--traces-only", action="store_true", help="import no logs or metrics")
    parser.add_argument("--leave-one-out", action="store_true", help="also held-out figures")
    parser.add_argument(
        "--json-lines", action="store_true", help="the logs as structured (JSON) lines"
    )
    parser.add_argument("--day", type=Path, default=DAY, help="the day's folder")
    parser.add_argument("--symptom", help="the service asked about (default: the entry service)")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "svcmap-eval-nezha",
        help="where the converted day is kept between runs",
    )
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    files = converted(args.day, args.cache)
    if args.json_lines:
        files = restructured(files, args.cache)
    labelled = faults(args.day)
    symptom = args.symptom or symptom_of(files)
    with tempfile.TemporaryDirectory() as scratch:
        url, notes = fresh_store(files, Path(scratch), traces_only=args.traces_only)
        signals = "traces only" if args.traces_only else "traces, logs and metrics"
        signals += ", logs as structured lines" if args.json_lines and not args.traces_only else ""
        _say(f"Nezha {args.day.name}, {symptom} asked: {len(labelled)} faults, {signals}")
        for note in notes:
            _say(f"  note: {note}")
        outcomes = []
        for fault in labelled:
            report = ask(url, fault, symptom)
            result = outcome(fault, report)
            outcomes.append(result)
            error = f"  ({report['error']})" if "error" in report else ""
            _say(
                f"  {fault.at:%H:%M:%S} {fault.kind:15} {fault.service:32} {result.placed:>6}"
                f"  {result.sureness:4} top {result.top}{error}"
            )
        _say("")
        for line in table(outcomes):
            _say(line)
        if args.leave_one_out:
            _say("")
            _say("Leave one fault type out: settings chosen on the other types")
            for line in held_out(exported_cases(url, labelled, symptom, Path(scratch))):
                _say(line)
    return 0


def symptom_of(files: Path) -> str:
    """The service starting the most traces in the day's converted trace files."""
    documents = [json.loads(path.read_bytes()) for path in sorted(files.glob("traces-*.json"))]
    found = entry_service(documents)
    if found is None:
        raise SystemExit(f"{files}: no span starts a trace: name the symptom with --symptom")
    return found


def exported_cases(url: str, labelled: Sequence[Fault], symptom: str, scratch: Path) -> list[Case]:
    """Each fault's snapshot, as `svcmap snapshot export` writes it, folded by fault type."""

    def load(i: int) -> Snapshot | None:
        fault = labelled[i]
        out = scratch / f"fault-{i}.json"
        at = (fault.at + AFTER).strftime("%Y-%m-%dT%H:%M:%SZ")
        done = subprocess.run(  # noqa: S603 - the installed CLI of this checkout
            [
                _svcmap(),
                "--db",
                url,
                "snapshot",
                "export",
                symptom,
                "--at",
                at,
                *WINDOWS,
                "-o",
                out,
            ],
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            return None
        return load_snapshot(out.read_bytes(), source=str(out))

    triples = [(fault.kind, symptom, fault.service) for fault in labelled]
    return cases_from(triples, load)


def _svcmap() -> str:
    return str(Path(sys.executable).with_name("svcmap"))


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True, env={**os.environ})  # noqa: S603 - our own tools


def _json_or_none(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


if __name__ == "__main__":
    sys.exit(main())
