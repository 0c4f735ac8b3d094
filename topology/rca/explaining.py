"""Which anomalous neighbours explain a candidate's evidence.

Slower or failing calls make their callers slow, failing and logging errors: a
dependency explains a caller's latency or errors when its own excess on the same metric
(for latency, with the growth of the gap on the calls into it) is at least
`EXPLAINING_SHARE` of the caller's, and its logs when it fails itself (errors or logs of
its own): a dependency that is merely slower makes its callers slow, not failing.
Less work coming in is explained by an anomalous caller. A service's own time, the time
around its calls and its own resources are its own: nothing explains them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from topology.rca.evidence import Evidence, Kind
from topology.rca.gather import Findings
from topology.rca.metrics import Family

EXPLAINING_SHARE = 0.5
"""A dependency explains a caller when its excess is at least this part of the caller's."""
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
    callees: Iterable[str],
    callers: Iterable[str],
    findings: Findings,
) -> tuple[str, ...]:
    """The anomalous neighbours that explain all of `name`'s evidence; () when any is its own."""
    suspects = [c for c in callees if c != name and c in findings.evidence]
    upstream = [c for c in callers if c in findings.evidence]
    culprits: set[str] = set()
    for item in items:
        if item.from_callers and upstream:
            culprits.update(upstream)
            continue
        if not item.explainable:
            return ()
        explaining = [c for c in suspects if _explains(name, c, item, findings)]
        if not explaining:
            return ()
        culprits.update(explaining)
    return tuple(sorted(culprits))


def _explains(caller: str, callee: str, item: Evidence, findings: Findings) -> bool:
    """Whether an anomalous callee can explain a caller's `item`.

    On a health metric, the callee's excess on that metric must be enough; for latency,
    the growth of the gap between the sides of the caller's calls into it counts too (the
    caller waits for both). A callee without that metric cannot be compared, so it may
    explain it. Logs are explained by a callee that fails itself (its errors or logs, not
    merely less work coming in); anything else by a callee anomalous itself.
    """
    if item.metric is None:
        own = [other for other in findings.evidence[callee] if not other.from_callers]
        if item.kind is Kind.LOGS:
            return any(other.kind in FAILING for other in own)
        return bool(own)
    same = [s for s in findings.health.get(callee, []) if s.metric is item.metric.metric]
    added = same[0].excess if same else None
    gap = findings.gaps.get((caller, callee))
    if gap is not None and item.metric.metric.family is Family.LATENCY:
        added = (added or 0.0) + gap.excess
    if added is None:
        return True
    return added >= EXPLAINING_SHARE * item.metric.excess
