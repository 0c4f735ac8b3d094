"""Score root-cause ranking on the PetShop development cases; run `python -m eval.petshop`.

Each train issue is turned into a snapshot by the shared converter and ranked by the
library; the labelled `root_cause.node` is looked for at the top and in the first
three. Quietness: normal-operation metrics are cut into windows shaped like the
incidents, each ranked against a day of normal data beside it; the share of windows
with an empty ranking, and with an empty or low-confidence one, is printed.
`--leave-one-out` adds each traffic scenario scored with the settings chosen on the
other (`eval.holdout`). Figures only: nothing here asserts a target.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from eval.holdout import Case, held_out
from topology.rca import Snapshot, load_snapshot, rank
from topology.rca.snapshot import Series, SnapshotEdge, SnapshotService, Symptom, Window

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DATASET = SHARED / "datasets" / "petshop"
CONVERTER = SHARED / "tools" / "petshop_to_snapshot.py"
QUIET_METRICS = ("latency", "availability")
"""Symptom metrics each normal window is asked about."""
BASELINE_STEPS = 288
"""A day of 5-minute steps: the normal data each quiet window is compared with."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """One labelled case: where the labelled root cause landed (0 when absent)."""

    scenario: str
    issue: str
    metric: str
    position: int
    confident: bool


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m eval.petshop")
    parser.add_argument(
        "--leave-one-out",
        action="store_true",
        help="also: each traffic scenario scored with the settings chosen on the other",
    )
    args = parser.parse_args(argv)
    scenarios = sorted(p for p in DATASET.iterdir() if (p / "graph.csv").is_file())
    outcomes = [outcome for scenario in scenarios for outcome in _cases(scenario)]
    _say("PetShop root-cause ranking (train issues)")
    for outcome in outcomes:
        where = f"#{outcome.position}" if outcome.position else "absent"
        sure = "" if outcome.confident else " (low confidence)"
        _say(f"  {outcome.scenario}/{outcome.issue} ({outcome.metric}): root cause {where}{sure}")
    _say("")
    _say(f"{'group':40} {'cases':>5} {'top-1':>6} {'top-3':>6}")
    groups: defaultdict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[f"scenario {outcome.scenario}"].append(outcome)
        groups[f"metric {outcome.metric}"].append(outcome)
        groups[f"{outcome.scenario} / {outcome.metric}"].append(outcome)
        groups["overall"].append(outcome)
    for name, members in sorted(groups.items(), key=lambda item: (item[0] == "overall", item[0])):
        _say(f"{name:40} {len(members):>5} {_top(members, 1):>6.2f} {_top(members, 3):>6.2f}")
    _say("")
    _say("Quiet on normal data (share of windows with an empty ranking)")
    tool = _converter()
    for scenario in scenarios:
        shape = _incident_steps(scenario)
        for metric in QUIET_METRICS:
            rankings = [
                rank(s, s.symptom.service)
                for s in _normal(tool, scenario, shape, metric)
                if s.symptom is not None
            ]
            quiet = sum(r.quiet for r in rankings) / len(rankings)
            unsure = sum(not r.confident for r in rankings) / len(rankings)
            _say(
                f"  {scenario.name} / {metric}: {quiet:.2f} empty, {unsure:.2f} empty or"
                f" low-confidence, of {len(rankings)} windows"
            )
    if args.leave_one_out:
        _say("")
        _say("Leave one traffic scenario out: settings chosen on the other")
        for line in held_out_lines(scenarios):
            _say(line)
    return 0


def _labelled(scenario: Path) -> Iterator[tuple[str, Snapshot, dict[str, Any]]]:
    """Each train issue of `scenario`: its name, its snapshot and its label."""
    with tempfile.TemporaryDirectory() as scratch:
        for issue in sorted((scenario / "train").iterdir()):
            out = Path(scratch) / f"{issue.name}.json"
            subprocess.run(  # noqa: S603 - our own converter, run by this interpreter
                [sys.executable, str(CONVERTER), str(scenario), str(issue), str(out)], check=True
            )
            snapshot = load_snapshot(out.read_bytes(), source=str(out))
            label = json.loads((issue / "target.json").read_text())
            assert snapshot.symptom is not None  # noqa: S101 - the converter always writes one
            yield issue.name, snapshot, label


def _cases(scenario: Path) -> Iterator[Outcome]:
    for issue, snapshot, label in _labelled(scenario):
        assert snapshot.symptom is not None  # noqa: S101 - the converter always writes one
        ranking = rank(snapshot, snapshot.symptom.service)
        names = [c.service for c in ranking.candidates]
        cause = label["root_cause"]["node"]
        position = names.index(cause) + 1 if cause in names else 0
        metric = label["target"]["metric"]
        yield Outcome(
            scenario=scenario.name,
            issue=issue,
            metric=metric,
            position=position,
            confident=ranking.confident,
        )


def held_out_lines(scenarios: list[Path]) -> list[str]:
    """Each traffic scenario scored with the settings chosen on the other."""
    cases = [
        Case(scenario.name, snapshot, snapshot.symptom.service, label["root_cause"]["node"])
        for scenario in scenarios
        for _, snapshot, label in _labelled(scenario)
        if snapshot.symptom is not None
    ]
    return held_out(cases)


def _top(outcomes: list[Outcome], k: int) -> float:
    return sum(1 for o in outcomes if 0 < o.position <= k) / len(outcomes)


def _converter() -> ModuleType:
    spec = importlib.util.spec_from_file_location("petshop_to_snapshot", CONVERTER)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {CONVERTER}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _incident_steps(scenario: Path) -> int:
    """How many time steps an incident window of this scenario holds (the longest seen)."""
    tool = _converter()
    steps = 0
    for issue in (scenario / "train").iterdir():
        metrics = tool.read_metrics(issue / "metrics.csv")
        times = {t for m in metrics.values() for v in m.values() for t in v}
        steps = max(steps, len(times))
    return steps


def _normal(tool: ModuleType, scenario: Path, steps: int, metric: str) -> Iterator[Snapshot]:
    """Snapshots of normal operation: each incident-sized window against a day beside it."""
    names, edges = tool.read_graph(scenario / "graph.csv")
    normal = tool.read_metrics(scenario / "noissue" / "metrics.csv")
    times = sorted({t for m in normal.values() for v in m.values() for t in v})
    series = {}
    for service, metrics in normal.items():
        values = {key: tuple(by_time.get(t) for t in times) for key, by_time in metrics.items()}
        series[service] = Series(tuple(float(t) for t in times), values)
    services = tuple(SnapshotService(n, virtual=n.endswith("_remote")) for n in names)
    links = tuple(SnapshotEdge(e["parent"], e["child"]) for e in edges)
    for start in range(0, len(times) - steps + 1, steps):
        end = start + steps - 1
        if start >= BASELINE_STEPS:
            baseline = Window(times[start - BASELINE_STEPS], times[start - 1])
        elif end + BASELINE_STEPS < len(times):
            baseline = Window(times[end + 1], times[end + BASELINE_STEPS])
        else:
            continue
        yield Snapshot(
            baseline=baseline,
            incident=Window(times[start], times[end]),
            services=services,
            edges=links,
            series=series,
            symptom=Symptom("PetSite", metric),
        )


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


if __name__ == "__main__":
    sys.exit(main())
