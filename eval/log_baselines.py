"""The log reading on made-up series whose truth is known: `python -m eval.log_baselines`.

Each series has an hour of baseline minutes and three incident minutes, requests of 80 to
120 a minute, and lines at a rate per request: Poisson counts, or over-dispersed ones (a
gamma-Poisson mixture with three times a Poisson's variance). Printed, per rate:

- false alarms: the share of steady series (nothing changed) the reading calls a rise,
  at the default threshold (8) and at the weak candidates' (4);
- found: the share of series whose rate rose in the incident that are called a rise,
  when the baseline holds 0, 6, 12 or 18 minutes of earlier episodes of the same rise
  (three-minute blocks at random places): a fault that flaps, or comes back.

Nothing here is data of a real system, and nothing asserts a target: the figures say how
the baseline's usual minutes (`topology.rca.counts.usual_minutes`) behave where the answer
is known.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy
from numpy.random import Generator

from topology.rca.counts import count_change

BASELINE = 60
INCIDENT = 3
RATES = (0.5, 5.0, 50.0)
"""Lines a minute at the usual 100 requests."""
RISE = {0.5: 10.0, 5.0: 4.0, 50.0: 4.0}
"""How many times the rate the incident (and an earlier episode) logs."""
EPISODE_MINUTES = (0, 6, 12, 18)
DISPERSIONS = (1.0, 3.0)


def minutes(
    rng: Generator, rate: float, dispersion: float, *, rise: float, episodes: int
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """One series: its baseline and incident (count, requests) minutes."""
    served = rng.integers(80, 121, BASELINE + INCIDENT).astype(float)
    mean = rate * served / 100
    mean[BASELINE:] *= rise
    for start in rng.choice(range(0, BASELINE - 2, 3), episodes // 3, replace=False):
        mean[start : start + 3] *= rise
    if dispersion > 1:  # a gamma-distributed mean: variance `dispersion` times the mean
        mean = rng.gamma(mean / (dispersion - 1), dispersion - 1)
    counts = rng.poisson(mean).astype(float)
    pairs = list(zip(counts.tolist(), served.tolist(), strict=True))
    return pairs[:BASELINE], pairs[BASELINE:]


def share_rising(
    rng: Generator,
    rate: float,
    dispersion: float,
    cutoff: float,
    runs: int,
    *,
    rise: float = 1.0,
    episodes: int = 0,
) -> float:
    """The share of `runs` series the reading calls a rise at `cutoff`."""
    found = 0
    for _ in range(runs):
        before, during = minutes(rng, rate, dispersion, rise=rise, episodes=episodes)
        change = count_change(before, during, cutoff)
        found += change is not None and change.up and change.score >= cutoff
    return found / runs


def table(runs: int, seed: int) -> list[str]:
    """The figures as lines."""
    rng = numpy.random.default_rng(seed)
    head = "  ".join(f"ep {m:>2}m" for m in EPISODE_MINUTES)
    lines = [f"{'rate/min':>8} {'disp':>4}  false@8  false@4  rise  found: {head}"]
    for dispersion in DISPERSIONS:
        for rate in RATES:
            false = [share_rising(rng, rate, dispersion, c, runs) for c in (8.0, 4.0)]
            found = [
                share_rising(rng, rate, dispersion, 8.0, runs, rise=RISE[rate], episodes=m)
                for m in EPISODE_MINUTES
            ]
            lines.append(
                f"{rate:>8} {dispersion:>4}  {false[0]:7.3f}  {false[1]:7.3f}  {RISE[rate]:>4}x"
                f"        {_row(found)}"
            )
    return lines


def _row(values: Sequence[float]) -> str:
    return "  ".join(f"{v:6.2f}" for v in values)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(prog="python -m eval.log_baselines")
    parser.add_argument("--runs", type=int, default=2000, help="series per figure")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    for line in table(args.runs, args.seed):
        print(line)  # noqa: T201 - the figures are the output
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
