"""Held-out figures: settings chosen on some cases, scored on the cases left out.

The ranking has two settings a person could be tempted to fit: the quiet threshold (how
many robust standard deviations make evidence) and the separation (how far the first
candidate must stand from the next for `high` confidence). For each fold, every pair on
a small grid ranks the other folds' cases; the pair with the best AC@1 whose
high-but-wrong share stays at 5 % or under (ties: nearest the defaults) is then used on
the fold left out. If the held-out figures match those of the defaults, the defaults were
not fitted to any one fold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from topology.rca import Snapshot, rank
from topology.rca.ranking import QUIET_THRESHOLD, SEPARATION

THRESHOLDS = (4.0, 6.0, 8.0, 12.0, 16.0)
SEPARATIONS = (1.25, 1.5, 2.0, 3.0, 4.0)
MOST_WRONG = 0.05
"""The largest share of high-confidence rankings with the wrong service first allowed."""


@dataclass(frozen=True, slots=True)
class Case:
    """A labelled snapshot: the symptom asked about, and the root cause."""

    fold: str
    snapshot: Snapshot
    symptom: str
    cause: str


@dataclass(frozen=True, slots=True)
class Figures:
    """AC@1, AC@3 and the high-but-wrong share of some cases under one setting.

    And AC@1, AC@3 over the ranking followed by the candidates named below the threshold.
    """

    cases: int
    top1: float
    top3: float
    sure_wrong: float
    named1: float = 0.0
    named3: float = 0.0

    def line(self) -> str:
        """The figures as one line of the table."""
        return (
            f"{self.cases:>5} {self.top1:>6.2f} {self.top3:>6.2f} {self.sure_wrong:>11.2f}"
            f" {self.named1:>6.2f} {self.named3:>6.2f}"
        )


Setting = tuple[float, float]
"""(threshold, separation)."""
Outcome = tuple[int, bool, int]
"""Where the cause landed in the ranking (0 when absent), whether it was high confidence,
and where it landed in the ranking followed by those below the threshold."""


def held_out(cases: Sequence[Case]) -> list[str]:
    """The table: per fold, the setting chosen on the others, its held-out and default figures."""
    folds = sorted({case.fold for case in cases})
    grid = [(t, s) for t in THRESHOLDS for s in SEPARATIONS]
    results = {setting: _ranked(cases, setting) for setting in grid}
    default = (QUIET_THRESHOLD, SEPARATION)
    if default not in results:
        results[default] = _ranked(cases, default)
    lines = [
        f"held out {'':18} {'setting':>12} {'cases':>5} {'AC@1':>6} {'AC@3':>6} {'high&wrong':>11}"
        f" {'AC@1*':>6} {'AC@3*':>6}"
    ]
    chosen_outcomes: list[Outcome] = []
    default_outcomes: list[Outcome] = []
    for fold in folds:
        inside = [i for i, case in enumerate(cases) if case.fold != fold]
        outside = [i for i, case in enumerate(cases) if case.fold == fold]
        chosen = _choose(results, inside, default)
        picked = [results[chosen][i] for i in outside]
        usual = [results[default][i] for i in outside]
        chosen_outcomes += picked
        default_outcomes += usual
        shown = f"t={chosen[0]:g} s={chosen[1]:g}"
        lines.append(f"{fold:27} {shown:>12} {_figures(picked).line()}")
        lines.append(f"{'  (defaults)':27} {'':>12} {_figures(usual).line()}")
    lines.append(f"{'all folds, held out':27} {'':>12} {_figures(chosen_outcomes).line()}")
    lines.append(f"{'all folds, defaults':27} {'':>12} {_figures(default_outcomes).line()}")
    lines.append("* the ranking followed by the candidates named below the threshold")
    return lines


def _ranked(cases: Sequence[Case], setting: Setting) -> list[Outcome]:
    """Per case: where the cause landed (0 when absent), and whether it was high confidence.

    And where it landed with the candidates below the threshold after the ranking.
    """
    threshold, separation = setting
    found = []
    for case in cases:
        ranking = rank(case.snapshot, case.symptom, threshold=threshold, separation=separation)
        names = [c.service for c in ranking.candidates]
        position = names.index(case.cause) + 1 if case.cause in names else 0
        named = [*names, *(c.service for c in ranking.below)]
        at = named.index(case.cause) + 1 if case.cause in named else 0
        found.append((position, ranking.confident, at))
    return found


def _choose(
    results: Mapping[Setting, list[Outcome]], inside: Sequence[int], default: Setting
) -> Setting:
    def merit(setting: Setting) -> tuple[bool, float, float]:
        figures = _figures([results[setting][i] for i in inside])
        near = abs(setting[0] - default[0]) / default[0] + abs(setting[1] - default[1])
        return (figures.sure_wrong <= MOST_WRONG, figures.top1, -near)

    return max(results, key=merit)


def _figures(outcomes: Sequence[Outcome]) -> Figures:
    n = len(outcomes) or 1
    return Figures(
        cases=len(outcomes),
        top1=sum(1 for p, _, _ in outcomes if p == 1) / n,
        top3=sum(1 for p, _, _ in outcomes if 0 < p <= 3) / n,  # noqa: PLR2004 - top three
        sure_wrong=sum(1 for p, sure, _ in outcomes if sure and p != 1) / n,
        named1=sum(1 for _, _, at in outcomes if at == 1) / n,
        named3=sum(1 for _, _, at in outcomes if 0 < at <= 3) / n,  # noqa: PLR2004 - top three
    )


def cases_from(
    labelled: Sequence[tuple[str, str, str]], load: Callable[[int], Snapshot | None]
) -> list[Case]:
    """Cases from (fold, symptom, cause) triples and a loader of each one's snapshot."""
    found = []
    for i, (fold, symptom, cause) in enumerate(labelled):
        snapshot = load(i)
        if snapshot is not None:
            found.append(Case(fold, snapshot, symptom, cause))
    return found
