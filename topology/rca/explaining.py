"""Which anomalous neighbours explain a candidate's evidence.

Slower or failing calls make their callers slow, failing and logging errors: a
dependency explains a caller's latency or errors when its own excess on the same metric
(for latency, with the growth of the gap on the calls into it, once per call the caller
makes per request; or the same of the mean latency, which adds up along the calls) is at
least `EXPLAINING_SHARE` of the caller's, and its logs when it fails itself (errors or
logs of its own): a dependency that is merely slower makes its callers slow, not
failing. A failure is often passed up by services that do not log it (a service that
answers its caller's request with the error it was given): logs no direct dependency
explains are explained by a failing service further down, through services that show
nothing. Less work coming in is explained by an anomalous caller, and a grown time
between the sides of a call by a caller that sends late (`edges`), which that time then
cannot explain in turn. A service's own time, the time around its calls and its own
resources are its own: nothing explains them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from topology.rca.evidence import Evidence, Kind
from topology.rca.gather import Findings
from topology.rca.metrics import Family
from topology.rca.scoring import MetricScore

EXPLAINING_SHARE = 0.5
"""A dependency explains a caller when its excess is at least this part of the caller's."""
MEAN_LATENCY = "latency_avg_ms"
"""The latency metric that adds up along the calls: a caller's mean holds its calls'."""
FAILING = frozenset({Kind.ERRORS, Kind.LOGS})
"""The kinds of evidence of a dependency that fails: what explains its callers' logs."""


def callers(succ: Mapping[str, Iterable[str]], names: Iterable[str]) -> dict[str, list[str]]:
    """Who among `names` calls each of them."""
    inside = set(names)
    found: dict[str, list[str]] = {}
    for name in inside:
        for callee in succ[name]:
            if callee in inside and callee != name:
                found.setdefault(callee, []).append(name)
    return found


def culprits(
    name: str,
    items: list[Evidence],
    succ: Mapping[str, Iterable[str]],
    callers: Iterable[str],
    findings: Findings,
) -> tuple[tuple[str, ...], dict[str, str]]:
    """The anomalous services that explain all of `name`'s evidence; () when any is its own.

    Its callees and callers, or for its logs a failing service further down (`passed_up`);
    those further down are also given with the callee of `name` they lie below.
    """
    suspects = [c for c in succ[name] if c != name and c in findings.evidence]
    upstream = [c for c in callers if c in findings.evidence]
    culprits: set[str] = set()
    below: dict[str, str] | None = None  # `passed_up`, walked once when first needed
    for item in items:
        if item.from_callers and upstream:
            culprits.update(upstream)
            continue
        if item.through in upstream:
            culprits.add(item.through)
            continue
        if not item.explainable:
            return (), {}
        explaining = [c for c in suspects if _explains(name, c, item, findings)]
        if not explaining and item.kind is Kind.LOGS:
            below = passed_up(name, succ, findings) if below is None else below
            explaining = list(below)
        if not explaining:
            return (), {}
        culprits.update(explaining)
    further = {c: via for c, via in (below or {}).items() if c in culprits}
    return tuple(sorted(culprits)), further


def passed_up(name: str, succ: Mapping[str, Iterable[str]], findings: Findings) -> dict[str, str]:
    """The failing services below `name`'s callees that show nothing, nearest first.

    Walked down from its callees through services with no evidence of their own, each
    service that fails (errors or logs of its own, not merely less work coming in) is
    where the walk stops on that path: what fails further down passed it up. Each is
    given with the callee of `name` it was reached through.
    """
    seen = {name, *succ[name]}
    quiet = [(c, c) for c in succ[name] if c not in findings.evidence]
    found: dict[str, str] = {}
    for service, via in quiet:
        for callee in succ[service]:
            if callee in seen:
                continue
            seen.add(callee)
            if callee not in findings.evidence:
                quiet.append((callee, via))
            elif _fails(callee, findings):
                found[callee] = via
    return found


def _fails(name: str, findings: Findings) -> bool:
    """Whether `name` has errors or logs of its own, not merely less work coming in."""
    return any(
        item.kind in FAILING and not item.from_callers and item.through is None
        for item in findings.evidence[name]
    )


def _explains(caller: str, callee: str, item: Evidence, findings: Findings) -> bool:
    """Whether an anomalous callee can explain a caller's `item`.

    On a health metric, the callee's excess on that metric must be enough; for latency,
    the growth of the gap between the sides of the caller's calls into it counts too (the
    caller waits for both), as many times as the caller calls it per request (never less
    than once: a caller that calls it on some requests only is slowed on those). A
    caller's latency is also explained when the mean time it gained is: means add up
    along the calls, where a percentile read off a histogram is known only to within its
    bucket. A callee without that metric cannot be compared, so it may explain it. Logs
    are explained by a callee that fails itself (its errors or logs, not merely less work
    coming in); anything else by a callee anomalous itself. A callee all of whose evidence
    is the caller's own late sending explains nothing of it.
    """
    if all(other.through == caller for other in findings.evidence[callee]):
        return False  # all it shows is the caller's own late sending
    if item.metric is None:
        own = [o for o in findings.evidence[callee] if not o.from_callers and o.through != caller]
        if item.kind is Kind.LOGS:
            return any(other.kind in FAILING for other in own)
        return bool(own)
    wanted = item.metric
    if wanted.metric.family is Family.LATENCY:
        return _explains_latency(caller, callee, wanted, findings)
    added = _excess(findings, callee, wanted.metric.key)
    return added is None or added >= EXPLAINING_SHARE * wanted.excess


def _explains_latency(caller: str, callee: str, wanted: MetricScore, findings: Findings) -> bool:
    """Whether what `caller` waits for in `callee` explains its latency `wanted`, or its mean."""
    if _waited_for(caller, callee, wanted, findings) is not False:
        return True
    mean = _score(findings, caller, MEAN_LATENCY)
    if mean is None or mean.excess <= 0:
        return False
    return bool(_waited_for(caller, callee, mean, findings))


def _waited_for(caller: str, callee: str, wanted: MetricScore, findings: Findings) -> bool | None:
    """Whether what `caller` waits for in `callee` grew by enough of `wanted`'s excess.

    The callee's own excess on the same metric, with the gap's growth (unless the caller
    sent late: then the gap is its own), once per call the caller makes per request; None
    when neither was measured.
    """
    added = _excess(findings, callee, wanted.metric.key)
    gap = findings.gaps.get((caller, callee))
    if gap is not None and not any(o.through == caller for o in findings.evidence[callee]):
        added = (added or 0.0) + gap.excess
    if added is None:
        return None
    added *= max(1.0, findings.fan_out.get((caller, callee), 1.0))
    return added >= EXPLAINING_SHARE * wanted.excess


def _excess(findings: Findings, name: str, key: str) -> float | None:
    found = _score(findings, name, key)
    return None if found is None else found.excess


def _score(findings: Findings, name: str, key: str) -> MetricScore | None:
    """`name`'s health score on the metric `key`, if it has one."""
    return next((s for s in findings.health.get(name, ()) if s.metric.key == key), None)
