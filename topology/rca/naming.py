"""Evidence from callers' logs that name a service they call.

A service that fails or cannot be reached makes its callers log about it, often by name
("No instances available for ts-route-service"), while its own logs and spans may show
nothing: its calls never arrive, or it answers errors inside a success. A template of a
caller's logs that names a service the caller calls, and that rose or appeared in the
incident, is evidence against the service it names, as strong as it is against the
caller. The caller's own lines are then explained by the service they name, which fails
as its callers see it (`explaining`).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from topology.rca.evidence import Evidence, Kind, number
from topology.rca.logs import TEMPLATE_KEY, Minutes, earlier_minutes, without_ids
from topology.rca.snapshot import Snapshot

AROUND = 40
"""Characters of the template shown before the name it holds (and half that after)."""


def named_evidence(
    snapshot: Snapshot, names: Collection[str], threshold: float
) -> dict[str, list[Evidence]]:
    """Per service of `names`: its callers' log templates that name it and rose."""
    calls: dict[str, set[str]] = {}
    for edge in snapshot.edges:
        if edge.parent != edge.child and edge.child in names:
            calls.setdefault(edge.parent, set()).add(edge.child)
    found: dict[str, list[Evidence]] = {}
    for caller, callees in sorted(calls.items()):
        logged = snapshot.logs.get(caller)
        if logged is None:
            continue
        minutes: Minutes | None = None
        ordered = sorted(callees)
        for key, values in logged.metrics.items():
            if not key.startswith(TEMPLATE_KEY):
                continue
            named = [callee for callee in ordered if _names(key, callee)]
            if not named:
                continue
            minutes = minutes or Minutes.of(logged.t, snapshot.series.get(caller), snapshot)
            if minutes is None:
                break
            change = minutes.change(values, threshold)
            if change is None or not change.up or change.score < threshold:
                continue
            text = without_ids(key.removeprefix(TEMPLATE_KEY))
            for callee in named:
                told = (
                    f"{caller} logs '{_shown(text, callee)}'"
                    f" {_rate(change.expected)} → {_rate(change.seen)}/min"
                    f"{earlier_minutes(change)}"
                )
                found.setdefault(callee, []).append(
                    Evidence(Kind.LOGS, change.score, told, explainable=True)
                )
    return found


def _names(text: str, service: str) -> bool:
    """Whether `text` holds `service` as a whole name, not as part of a longer one."""
    return service in text and _pattern(service).search(text) is not None


def _pattern(service: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.-]){re.escape(service)}(?![\w-])")


def _shown(text: str, service: str) -> str:
    """The part of `text` around the first place it names `service`."""
    found = _pattern(service).search(text)
    start = found.start() if found is not None else 0
    first = max(0, start - AROUND)
    last = min(len(text), start + len(service) + AROUND // 2)
    return ("…" if first else "") + text[first:last] + ("…" if last < len(text) else "")


def _rate(value: float) -> str:
    if value < 0.05:  # noqa: PLR2004 - less than one line in twenty minutes reads as none
        return "0"
    return number(round(value)) if value >= 10 else number(value)  # noqa: PLR2004 - one decimal below ten
