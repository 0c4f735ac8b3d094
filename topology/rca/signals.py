"""Evidence from logs and resource metrics: counts and values far off their baseline.

Log counts follow the traffic: each minute's count is read at the baseline's usual number
of requests (its count times the baseline's median requests over that minute's), so a
template does not vanish merely because fewer calls came in. Then a warning or error
level that rose, or a template that appeared, vanished or jumped, is scored like any
series, but no higher than a Poisson count at the baseline's rate makes it surprising.
Resource metrics are read generically, in either direction; a metric that fell (less
CPU, less network) is what less work looks like, so it is evidence callers can explain.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection

from topology.rca.evidence import Evidence, Kind, number
from topology.rca.scoring import Family, Metric, MetricScore, window_score, window_values
from topology.rca.snapshot import Series, Snapshot, Window

LEVEL_KEY = "level:"
TEMPLATE_KEY = "template:"
BAD_LEVELS = frozenset({"WARN", "WARNING", "ERROR", "SEVERE", "FATAL", "CRITICAL"})
"""Log levels whose rise is evidence of a fault."""
TEMPLATE_SHOWN = 60
"""Characters of a template's text shown in evidence."""


def _metric(key: str, *, up: bool, counts: bool) -> Metric:
    family = Family.ERRORS if counts else Family.TRAFFIC
    floor = 1e-6
    return Metric(key, family, up_is_bad=up, floor=floor, label=key, unit="", counts=counts)


def log_evidence(
    snapshot: Snapshot, names: Collection[str], threshold: float
) -> dict[str, list[Evidence]]:
    """Per service of `names` with logs: its levels and templates far off their baseline."""
    windows = (snapshot.baseline, snapshot.incident)
    found: dict[str, list[Evidence]] = {}
    for name in names:
        logged = snapshot.logs.get(name)
        if logged is None:
            continue
        steady = at_usual_traffic(logged, snapshot.series.get(name), snapshot.baseline)
        items = []
        for key in steady.metrics:
            if key.startswith(LEVEL_KEY):
                level = key.removeprefix(LEVEL_KEY).upper()
                if level not in BAD_LEVELS:
                    continue
                score = window_score(
                    steady, key, windows, _metric(key, up=True, counts=True), cutoff=threshold
                )
                if score is not None:
                    text = f"{level} logs {_rate(score.baseline)} → {_rate(score.worst)}/min"
                    items.append(Evidence(Kind.LOGS, score.score, text, explainable=True))
            elif key.startswith(TEMPLATE_KEY):
                item = _template(steady, key, windows, threshold)
                if item is not None:
                    items.append(item)
        if items:
            found[name] = items
    return found


def metric_evidence(
    snapshot: Snapshot, names: Collection[str], threshold: float
) -> dict[str, list[Evidence]]:
    """Per service of `names` with metrics: each one far off its baseline, either way."""
    windows = (snapshot.baseline, snapshot.incident)
    found: dict[str, list[Evidence]] = {}
    for name in names:
        measured = snapshot.metrics.get(name)
        if measured is None:
            continue
        items = []
        for key in measured.metrics:
            for up in (True, False):
                metric = _metric(key, up=up, counts=False)
                score = window_score(measured, key, windows, metric, cutoff=threshold)
                if score is not None:
                    text = f"{key} {number(score.baseline)} → {number(score.worst)}"
                    items.append(
                        Evidence(
                            Kind.METRICS, score.score, text, explainable=False, from_callers=not up
                        )
                    )
        if items:
            found[name] = items
    return found


def at_usual_traffic(logged: Series, served: Series | None, baseline: Window) -> Series:
    """`logged`'s counts as they would be at the baseline's median requests per minute.

    A minute in which the service served nothing says nothing of its logs' share; without
    a request series, the counts are kept as they are.
    """
    if served is None or "requests" not in served.metrics:
        return logged
    usual = window_values(served, "requests", baseline)
    level = statistics.median(usual) if usual else 0.0
    if level <= 0:
        return logged
    requests = dict(zip(served.t, served.metrics["requests"], strict=False))
    factors: list[float | None] = []
    for t in logged.t:
        n = requests.get(t)
        factors.append(level / n if n else None)
    return Series(
        logged.t,
        {
            key: tuple(
                None if f is None or v is None else v * f
                for v, f in zip(values, factors, strict=True)
            )
            for key, values in logged.metrics.items()
        },
    )


def _template(
    steady: Series, key: str, windows: tuple[Window, Window], threshold: float
) -> Evidence | None:
    up = window_score(steady, key, windows, _metric(key, up=True, counts=True), cutoff=threshold)
    down = window_score(steady, key, windows, _metric(key, up=False, counts=True), cutoff=threshold)
    best = max((s for s in (up, down) if s is not None), key=_strength, default=None)
    if best is None:
        return None
    text = key.removeprefix(TEMPLATE_KEY)
    shown = text if len(text) <= TEMPLATE_SHOWN else text[: TEMPLATE_SHOWN - 1] + "…"
    if best.baseline < 0.5 and best.metric.up_is_bad:  # noqa: PLR2004 - under one a minute
        words = f"new template '{shown}' {_rate(best.worst)}/min"
    elif best.worst < 0.5:  # noqa: PLR2004 - under one a minute
        words = f"'{shown}' {_rate(best.baseline)}/min → 0"
    else:
        words = f"'{shown}' {_rate(best.baseline)}/min → {_rate(best.worst)}/min"
    return Evidence(Kind.LOGS, best.score, words, explainable=True)


def _strength(score: MetricScore) -> float:
    return score.score


def _rate(value: float) -> str:
    return number(round(value)) if value >= 10 else number(value)  # noqa: PLR2004
