"""Evidence on the calls between services: the time between a call's two sides, and own time.

A call's client span (the caller's) less its server span (the callee's) is time spent in
neither handler: the network, the callee's queue and pods before its handler ran, or the
caller's side when its own pods are starved. The callee's server time does not move when
its network or queue is slow, so this gap is where such a fault shows. A grown gap is
credited to the callee, with a part to the caller, each part as large as the share of that
side's calls whose gap grew: a callee whose calls from every caller grew is the likely
place, a caller whose calls to every callee grew is (its pods are slow to send and
receive), a gap grown on one pair only is weak evidence against either, and a service
slow on its incoming and outgoing calls alike collects both parts. A caller's part that
is the smaller one is explained by the callee it waits for; a callee's part is explained
by a caller that sends late (`_sent_late`).

A service's own time is its average server time less the time its outgoing calls took
per request (their client-side sums, over its requests): what it spent itself.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence

from topology.rca.evidence import Evidence, Kind, duration
from topology.rca.extremes import extremes, worth_screening
from topology.rca.scoring import (
    Family,
    Metric,
    MetricScore,
    Positions,
    measured,
    reach,
    robust_score,
    window_score,
)
from topology.rca.slower import slower_together
from topology.rca.snapshot import Series, Snapshot

GAP = Metric(
    "network_ms", Family.LATENCY, up_is_bad=True, floor=1.0, label="time between sides", unit=" ms"
)
OWN = Metric("own_ms", Family.LATENCY, up_is_bad=True, floor=1.0, label="own time", unit=" ms")
CALLEE_SHARE = 2 / 3
"""The part of a grown gap credited to the callee when all its calls grew, the rest to the
caller when all of its did: each side's part shrinks with the share of its calls that grew."""


def edge_parts(key: str) -> tuple[str, str]:
    """The parent and child of an edge series' key, `parent->child`."""
    parent, _, child = key.partition("->")
    return parent, child


def gap_evidence(
    snapshot: Snapshot,
    names: Collection[str],
    threshold: float,
    positions: Positions | None = None,
) -> tuple[dict[str, list[Evidence]], dict[tuple[str, str], MetricScore]]:
    """Per service of `names`, its parts of the grown gaps on the edges it is a side of.

    And the grown gaps themselves, per (parent, child).
    """
    positions = positions or Positions(snapshot.baseline, snapshot.incident)
    grown_in: Counter[str] = Counter()
    grown_out: Counter[str] = Counter()
    grown = []
    sides: list[tuple[str, str]] = []
    rows: list[Sequence[float | None]] = []
    windows: list[tuple[range, range]] = []
    axis, steps = None, (range(0), range(0))
    for key, series in snapshot.edge_series.items():
        parent, child = edge_parts(key)
        if parent == child or (parent not in names and child not in names):
            continue
        values = series.metrics.get("network_ms")
        if values is not None:
            sides.append((parent, child))
            rows.append(values)
            if series.t is not axis:  # edges mostly share their axis
                axis, steps = series.t, positions.of(series.t)
            windows.append(steps)
    measured_parents, measured_children = [], []
    for (parent, child), gaps, steps, near in zip(
        sides, rows, windows, _reach(rows, windows, threshold), strict=True
    ):
        if near is False:  # measured in both windows, far from the threshold
            measured_parents.append(parent)
            measured_children.append(child)
            continue
        during = measured(gaps, steps[1])
        if not during:
            continue
        measured_parents.append(parent)
        measured_children.append(child)
        before = measured(gaps, steps[0])
        score = robust_score(before, during, GAP, cutoff=threshold, adjoining=positions.adjoining)
        if score is not None:
            grown_in[child] += 1
            grown_out[parent] += 1
            grown.append((parent, child, score))
    measured_in, measured_out = Counter(measured_children), Counter(measured_parents)
    found: defaultdict[str, list[Evidence]] = defaultdict(list)
    for parent, child, score in grown:
        to_child = CALLEE_SHARE * grown_in[child] / measured_in[child]
        to_parent = (1 - CALLEE_SHARE) * grown_out[parent] / measured_out[parent]
        late = _sent_late(parent, child, (grown_in, grown_out, measured_in))
        took = f"take {duration(score.worst)} longer than {child} spends on them"
        usual = f"(baseline {duration(score.baseline)})"
        found[child].append(
            Evidence(
                Kind.EDGE,
                score.score * to_child,
                f"calls from {parent} into {child} {took} {usual}",
                explainable=False,
                through=parent if late else None,
            )
        )
        found[parent].append(
            Evidence(
                Kind.EDGE,
                score.score * to_parent,
                f"its calls into {child} {took} {usual}",
                explainable=to_child >= to_parent,
            )
        )
    return dict(found), {(parent, child): score for parent, child, score in grown}


def _sent_late(parent: str, child: str, counts: tuple[Counter[str], ...]) -> bool:
    """Whether the grown gap on `parent`'s calls into `child` is the caller's doing.

    It is when the caller's incoming calls grew as widely as the callee's (a pod slow to
    send delays what it answers and what it asks alike, where a callee's fault does not
    reach its caller's incoming calls), or when the caller's calls into several callees
    grew and into this one only its calls did (one late sender, not several callees slow
    at once). `counts` are the grown incoming, grown outgoing and measured incoming edges.
    """
    grown_in, grown_out, measured_in = counts
    into_parent = grown_in[parent] / measured_in[parent] if measured_in[parent] else 0.0
    into_child = grown_in[child] / measured_in[child]
    return into_parent >= into_child or (grown_out[parent] > 1 and grown_in[child] == 1)


def _reach(
    rows: Sequence[Sequence[float | None]], windows: Sequence[tuple[range, range]], cutoff: float
) -> Iterable[bool | None]:
    """`reach` of each gap series at its (baseline, incident) positions.

    A large map's are judged from their extremes all at once (`topology.rca.extremes`).
    """
    if not worth_screening(len(rows)):
        return (
            reach(values, *steps, GAP, cutoff) for values, steps in zip(rows, windows, strict=True)
        )
    return extremes(rows, windows, measured=True).reach([GAP] * len(rows), cutoff)


def fan_outs(
    snapshot: Snapshot, names: Collection[str], positions: Positions | None = None
) -> dict[tuple[str, str], float]:
    """Calls per request served, in the incident window, on each edge between two of `names`.

    A caller that calls a service twice per request waits for it twice: the time each call
    gained counts that many times in the caller's own latency. Edges whose caller served no
    request it measured in the window are left out.
    """
    positions = positions or Positions(snapshot.baseline, snapshot.incident)
    edges = snapshot.edge_series
    if len(names) ** 2 < len(edges):  # a few anomalous services on a large map
        keys: Iterable[str] = (f"{parent}->{child}" for parent in names for child in names)
    else:
        keys = edges
    found = {}
    for key in keys:
        series = edges.get(key)
        parent, child = edge_parts(key)
        served = snapshot.series.get(parent)
        if series is None or served is None or parent == child:
            continue
        if parent not in names or child not in names:
            continue
        calls = sum(measured(series.metrics.get("requests", ()), positions.of(series.t)[1]))
        requests = sum(measured(served.metrics.get("requests", ()), positions.of(served.t)[1]))
        if requests > 0:
            found[(parent, child)] = calls / requests
    return found


def own_time_evidence(
    snapshot: Snapshot,
    names: Collection[str],
    threshold: float,
    positions: Positions | None = None,
) -> dict[str, Evidence]:
    """Per service of `names` that calls others: its own time, when it grew."""
    positions = positions or Positions(snapshot.baseline, snapshot.incident)
    outgoing: defaultdict[str, list[Series]] = defaultdict(list)
    for key, series in snapshot.edge_series.items():
        parent, child = edge_parts(key)
        if parent != child and parent in names:
            outgoing[parent].append(series)
    windows = (snapshot.baseline, snapshot.incident)
    calling = [
        (name, calls, served)
        for name, calls in outgoing.items()
        if (served := snapshot.series.get(name)) is not None
    ]
    grew = slower_together([served for _, _, served in calling], threshold * OWN.floor, positions)
    found = {}
    for (name, calls, served), slowed in zip(calling, grew, strict=True):
        if not slowed:
            continue
        own = own_series(served, calls)
        score = window_score(own, "own_ms", windows, OWN, cutoff=threshold)
        if score is not None:
            text = (
                f"own time (less its calls) {duration(score.worst)}"
                f" (baseline {duration(score.baseline)})"
            )
            found[name] = Evidence(Kind.LATENCY, score.score, text, explainable=False)
    return found


def own_series(served: Series, calls: Sequence[Series]) -> Series:
    """`own_ms` at each step of `served`: its average latency less its calls' per request.

    A call's client-side time is its server-side average plus the gap between the sides.
    """
    requests = served.metrics.get("requests", ())
    latency = served.metrics.get("latency_avg_ms", ())
    indexes = [{t: i for i, t in enumerate(series.t)} for series in calls]
    own: list[float | None] = []
    for step, t in enumerate(served.t):
        served_n = requests[step] if step < len(requests) else None
        took = latency[step] if step < len(latency) else None
        if not served_n or took is None:
            own.append(None)
            continue
        spent = 0.0
        for series, index in zip(calls, indexes, strict=True):
            at = index.get(t)
            if at is not None:
                spent += _client_ms(series, at)
        own.append(max(0.0, took - spent / served_n))
    return Series(served.t, {"own_ms": tuple(own)})


def _client_ms(series: Series, at: int) -> float:
    """The total client-side time of an edge's calls at step `at`."""
    calls = series.metrics.get("requests", ())
    server = series.metrics.get("latency_avg_ms", ())
    gap = series.metrics.get("network_ms", ())
    n = calls[at] if at < len(calls) else None
    took = server[at] if at < len(server) else None
    if not n or took is None:
        return 0.0
    between = gap[at] if at < len(gap) else None
    return n * (took + (between or 0.0))
