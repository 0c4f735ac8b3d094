"""One piece of evidence against a candidate: its kind, its strength and what it says."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from topology.rca.scoring import MetricScore


class Kind(enum.Enum):
    """Which signal the evidence comes from, as `rca --json` names it under `signals`."""

    LATENCY = "latency"
    ERRORS = "errors"
    EDGE = "edge"
    LOGS = "logs"
    METRICS = "metrics"


@dataclass(frozen=True, slots=True)
class Evidence:
    """A signal off its baseline at a candidate, in robust standard deviations.

    `explainable` says whether an anomalous dependency could have caused it: slower or
    failing calls make their callers slower, failing and logging errors too; a service's
    own time, the time around its calls and its own resources are its own.
    """

    kind: Kind
    score: float
    text: str
    explainable: bool
    metric: MetricScore | None = None
    """The health metric behind it, when it is one (compared with the dependencies')."""
    from_callers: bool = False
    """Whether it is less work come in (fewer calls, fewer lines): what a caller's fault does."""
    through: str | None = None
    """The caller that explains it when anomalous: set on a callee's part of a grown gap whose
    caller's incoming calls grew as much (a caller slow to send and receive shows on both)."""


def number(value: float) -> str:
    """A value as a person reads it: no decimals when large, two digits when small."""
    if abs(value) >= 100:  # noqa: PLR2004 - large numbers read best without decimals
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.1f}".removesuffix(".0")
    return f"{value:.2g}"


def duration(ms: float) -> str:
    """Milliseconds in words: `3 ms`, `2.0 s`."""
    if abs(ms) >= 1000:  # noqa: PLR2004 - a second reads better than 1,000 ms
        return f"{ms / 1000:.1f} s"
    return f"{number(ms)} ms"
