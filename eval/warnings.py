"""Early warnings on the PetShop development cases; run `python -m eval.warnings`.

Lead time: each train issue holds 25 minutes (five 5-minute steps) around its labelled
incident, 126 to 148 days before the scenario's two days of normal data. The hour a pass
reads is made of the normal data at the same time of day (the service as usual) followed
by the issue's steps so far; the usual level is the same hour on each normal day. A pass
runs at the end of every step of the issue; the lead is the label's time less the end of
the first step at which any warning fires (negative: after the label), for any service
and for the labelled target. False alarms: passes every 5 minutes over the normal data
(the usual level from the days before, when there are any), counting warnings opened
(`topology.warnings.track`: once while they last) per day. Figures only.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections.abc import Iterator, Mapping

from eval.petshop import DATASET, _converter
from topology.warnings.assess import Reading, Rules, assess_all
from topology.warnings.model import Finding, Metric
from topology.warnings.track import KeptWarning, track

STEP = 300
HOUR_STEPS = 12
DAY = 86_400
MIN_REQUESTS = 50
"""Requests a step needs for its error share to count (as the store's pass asks)."""
MIN_TIMED = 10
"""Requests a step needs for its latency to count (as the store's pass asks)."""

METRICS: tuple[Metric, ...] = ("latency_ms", "error_pct")
Metrics = dict[str, dict[str, dict[int, float | None]]]
"""Per service, per metric key, per time: as the converter reads a metrics.csv."""


def main() -> int:
    """Print lead times per labelled incident, and warnings per day on normal data."""
    tool = _converter()
    rules = Rules()
    say("PetShop early warnings (train issues): minutes from the first warning to the label")
    leads_any: list[float] = []
    for scenario in sorted(p for p in DATASET.iterdir() if (p / "graph.csv").is_file()):
        normal = tool.read_metrics(scenario / "noissue" / "metrics.csv")
        for issue in sorted((scenario / "train").iterdir()):
            label = json.loads((issue / "target.json").read_text())["target"]
            fired = first_warnings(normal, tool.read_metrics(issue / "metrics.csv"), rules)
            at = int(label["timestamp"])
            first = min((t for t, _ in fired), default=None)
            on_target = min((t for t, f in fired if _service(f) == label["node"]), default=None)
            lead = None if first is None else (at - first) / 60
            if lead is not None:
                leads_any.append(lead)
            target = "none" if on_target is None else f"{(at - on_target) / 60:+.1f} min"
            shown = "none" if lead is None else f"{lead:+.1f} min"
            what = "" if not fired else f" ({_name(fired[0][1])})"
            say(
                f"  {scenario.name}/{issue.name} {label['metric']}: any service {shown}{what};"
                f" on {label['node']} {target}"
            )
    if leads_any:
        say(
            f"  warned on {len(leads_any)} issues; lead median {statistics.median(leads_any):+.1f}"
            f" min, min {min(leads_any):+.1f}, max {max(leads_any):+.1f}"
        )
    say("")
    say("False alarms on normal data (warnings opened per day)")
    for scenario in sorted(p for p in DATASET.iterdir() if (p / "graph.csv").is_file()):
        normal = tool.read_metrics(scenario / "noissue" / "metrics.csv")
        opened, days, by_kind = false_alarms(normal, rules)
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(by_kind.items())) or "none"
        say(
            f"  {scenario.name}: {opened} opened over {days:.2f} days = {opened / days:.1f}"
            f" a day ({kinds})"
        )
    return 0


def first_warnings(normal: Metrics, issue: Metrics, rules: Rules) -> list[tuple[int, Finding]]:
    """The warnings of the passes at the end of each issue step, in time order."""
    steps = sorted({t for m in issue.values() for v in m.values() for t in v})
    fired: list[tuple[int, Finding]] = []
    for end in steps:
        now = end + STEP
        found = assess_all(_issue_readings(normal, issue, now), now, rules)
        fired.extend((now, finding) for finding in found if finding is not None)
        if fired:
            break
    return fired


def false_alarms(normal: Metrics, rules: Rules) -> tuple[int, float, dict[str, int]]:
    """Warnings opened by passes every step over `normal`, the days covered, and by kind."""
    times = sorted({t for m in normal.values() for v in m.values() for t in v})
    kept: dict[tuple[str, Metric], KeptWarning] = {}
    opened = 0
    by_kind: dict[str, int] = {}
    passes = [t + STEP for t in times[HOUR_STEPS - 1 :]]
    for now in passes:
        findings = [f for f in assess_all(_readings(normal, now), now, rules) if f is not None]
        done = track(kept, findings, now)
        for key in done.post:
            opened += 1
            kind = next(w.finding.kind for w in done.writes if w.key == key)
            by_kind[kind] = by_kind.get(kind, 0) + 1
        kept = {**kept, **{w.key: w for w in done.writes}}
    return opened, (passes[-1] - passes[0]) / DAY, by_kind


def _issue_readings(normal: Metrics, issue: Metrics, now: int) -> Iterator[Reading]:
    """The hour up to `now`: the issue's steps, before them the normal data at that time of day."""
    starts = _starts(now)
    times = _times(normal)
    shift = _days_to(times, starts[0])
    usual = _day_shifts(times, starts)
    for service in sorted(set(normal) | set(issue)):
        seen, ordinary = issue.get(service, {}), normal.get(service, {})
        series = {
            key: {
                t: seen[key][t] if t in seen.get(key, {}) else ordinary.get(key, {}).get(t + shift)
                for t in starts
            }
            for key in set(seen) | set(ordinary)
        }
        yield from _service_readings(service, series, ordinary, starts, usual)


def _readings(normal: Metrics, now: int) -> Iterator[Reading]:
    """Each service's readings of a pass at `now` over the normal data, days before as usual."""
    starts = _starts(now)
    earlier = [shift for shift in _day_shifts(_times(normal), starts) if shift < 0]
    for service in sorted(normal):
        series = normal[service]
        yield from _service_readings(service, series, series, starts, earlier)


def _service_readings(
    service: str,
    series: Mapping[str, Mapping[int, float | None]],
    ordinary: Mapping[str, Mapping[int, float | None]],
    starts: list[int],
    shifts: list[int],
) -> Iterator[Reading]:
    for metric in METRICS:
        values = tuple(_value(series, metric, t) for t in starts)
        usual = []
        for shift in shifts:
            found = [v for t in starts if (v := _value(ordinary, metric, t + shift)) is not None]
            if len(found) >= HOUR_STEPS // 2:
                usual.append(statistics.fmean(found))
        yield Reading(
            subject=service,
            metric=metric,
            times=tuple(map(float, starts)),
            values=values,
            history=tuple(usual),
        )


def _starts(now: int) -> list[int]:
    return [now - STEP * (HOUR_STEPS - i) for i in range(HOUR_STEPS)]


def _times(data: Metrics) -> list[int]:
    return sorted({t for m in data.values() for v in m.values() for t in v})


def _days_to(times: list[int], t: int) -> int:
    """The whole days from `t` to the first day of `times` holding its time of day."""
    return -(-(times[0] - t) // DAY) * DAY


def _day_shifts(times: list[int], starts: list[int]) -> list[int]:
    """Whole-day shifts moving all of `starts` inside `times`' range."""
    first, last = times[0], times[-1]
    low = -(-(first - starts[0]) // DAY)
    high = (last - starts[-1]) // DAY
    return [k * DAY for k in range(low, high + 1) if k]


def _value(
    series: Mapping[str, Mapping[int, float | None]], metric: Metric, t: int
) -> float | None:
    requests = series.get("requests", {}).get(t)
    if metric == "latency_ms":
        enough = requests is not None and requests >= MIN_TIMED
        return series.get("latency_avg_ms", {}).get(t) if enough else None
    availability = series.get("availability_pct", {}).get(t)
    if requests is None or availability is None or requests < MIN_REQUESTS:
        return None
    return max(0.0, 100.0 - availability)


def _service(finding: Finding) -> str:
    return finding.subject


def _name(finding: Finding) -> str:
    return f"{finding.subject} {finding.metric} {finding.kind}"


def say(line: str) -> None:
    """Print one line."""
    sys.stdout.write(line + "\n")


if __name__ == "__main__":
    sys.exit(main())
