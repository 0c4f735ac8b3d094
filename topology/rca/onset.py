"""When the symptom's episode began, when that was before the incident window.

Asked about 20 minutes into a fault with a 15-minute window, the fault's first minutes lie
at the end of the baseline. A fault that shows as a level (a latency, the time between a
call's two sides) is then still found (`scoring.episode_start` leaves such minutes out of
its baseline); failures and log lines, counted against the baseline's usual rate, are not
once the fault fills more than a quarter of the baseline's minutes (`counts`). So, when
the symptom's own service has been off since before the window, the whole ranking reads
the incident from the episode's start and the baseline up to it: every series, screen and
count on the same two windows, as an open incident is ranked on its opening's windows.
"""

from __future__ import annotations

from dataclasses import replace

from topology.rca.counts import rise_start
from topology.rca.metrics import METRIC_INFO, Family
from topology.rca.scoring import FAILED, SERVED, Positions, episode_start
from topology.rca.snapshot import Series, Snapshot, Window

LEVELS = tuple(key for key, metric in METRIC_INFO.items() if metric.family is Family.LATENCY)
"""The symptom's latencies, read as levels for the start of an episode."""


def episode_onset(snapshot: Snapshot, service: str) -> float | None:
    """When `service`'s episode began, when inside the baseline; None when it did not."""
    series = snapshot.series.get(service)
    positions = Positions(snapshot.baseline, snapshot.incident)
    if series is None or not positions.adjoining:
        return None  # another day's normal time, say: its end is no episode's start
    before, during = positions.of(series.t)
    if not before or not during:
        return None
    starts = [_level_start(series, key, before, during) for key in LEVELS]
    starts.append(_rise_start(series, before, during))
    found = [t for t in starts if t is not None]
    return min(found) if found else None


def from_onset(snapshot: Snapshot, onset: float) -> Snapshot:
    """`snapshot` with the incident read from `onset` on, and the baseline up to it."""
    return replace(
        snapshot,
        baseline=Window(snapshot.baseline.start, onset - 1),
        incident=Window(onset, snapshot.incident.end),
    )


def _level_start(series: Series, key: str, before: range, during: range) -> float | None:
    values = series.metrics.get(key)
    if values is None:
        return None
    times = [series.t[i] for i in before if values[i] is not None]
    baseline = [v for v in values[before.start : before.stop] if v is not None]
    incident = [v for v in values[during.start : during.stop] if v is not None]
    start = episode_start(baseline, incident, METRIC_INFO[key])
    return times[start] if start < len(times) else None


def _rise_start(series: Series, before: range, during: range) -> float | None:
    failed, served = series.metrics.get(FAILED), series.metrics.get(SERVED)
    if failed is None or served is None:
        return None
    kept = [i for i in before if failed[i] is not None and served[i] is not None]
    baseline = [(float(failed[i] or 0), float(served[i] or 0)) for i in kept]
    incident = [
        (float(f), float(r))
        for f, r in zip(
            failed[during.start : during.stop], served[during.start : during.stop], strict=True
        )
        if f is not None and r is not None and r > 0
    ]
    start = rise_start(baseline, incident)
    return series.t[kept[start]] if start < len(kept) else None
