"""Error and latency budgets burning: multi-window burn rates, as the SRE workbook alerts.

A service's error budget is the part of its requests its objective lets fail (0.1 % for
99.9 %); its latency budget, the same part of its requests allowed to be slow. The burn
rate over a window is the part that failed (or was slow) divided by the budget: 1 spends
the budget exactly over the objective's period. A rule (long window, short window, rate)
fires when both windows burn at least at that rate: the long one says it is significant,
the short one that it is still going on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from topology.errors import UsageError
from topology.queries.jsonable import as_dict
from topology.stats import LATENCY_BOUNDS_MS, ServiceStats


@dataclass(frozen=True, slots=True)
class BurnRule:
    """Fire when both windows (seconds) burn at least `rate` times the budget."""

    long_s: int
    short_s: int
    rate: float


@dataclass(frozen=True, slots=True)
class BudgetPolicy:
    """The objective, what counts as slow, and the rules."""

    objective: float
    slow_ms: float
    rules: tuple[BurnRule, ...]

    def __post_init__(self) -> None:
        if not 0.0 < self.objective < 1.0:
            raise UsageError(f"objective {self.objective} must be between 0 and 1, both left out")
        if self.slow_ms <= 0:
            raise UsageError(f"slow threshold {self.slow_ms} ms must be above 0")
        for rule in self.rules:
            if rule.short_s <= 0 or rule.long_s <= rule.short_s or rule.rate <= 0:
                raise UsageError(f"bad burn rule {rule}: need 0 < short < long and rate > 0")

    @property
    def windows(self) -> tuple[int, ...]:
        """Every window length the rules read, in seconds, shortest first."""
        return tuple(sorted({s for rule in self.rules for s in (rule.long_s, rule.short_s)}))

    @property
    def slow_bound_ms(self) -> float:
        """The latency histogram bound a request must exceed to count as slow.

        The histogram tells nothing finer: the threshold is rounded up to a bound, so a
        slow count never includes requests faster than the threshold.
        """
        for bound in LATENCY_BOUNDS_MS:
            if bound >= self.slow_ms:
                return bound
        return LATENCY_BOUNDS_MS[-1]


def workbook_policy(
    objective: float, slow_ms: float, fast_rate: float = 14.4, slow_rate: float = 6.0
) -> BudgetPolicy:
    """The workbook's pair of rules: 1h/5m at `fast_rate`, 6h/30m at `slow_rate`."""
    rules = (BurnRule(3_600, 300, fast_rate), BurnRule(6 * 3_600, 1_800, slow_rate))
    return BudgetPolicy(objective, slow_ms, rules)


@dataclass(frozen=True, slots=True)
class Burn:
    """A service burning a budget ("errors" or "latency") under one rule, with both rates."""

    service: str
    budget: str
    long_s: int
    short_s: int
    threshold: float
    long_rate: float
    short_rate: float
    requests: int
    """The requests served in the long window."""
    owner: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


Counts = tuple[int, int, int]
"""A service's requests, errors and slow requests in one window."""


def slow_from(bound_ms: float) -> int:
    """The first latency histogram bucket wholly above `bound_ms`."""
    return sum(1 for bound in LATENCY_BOUNDS_MS if bound <= bound_ms)


def slow_count(stats: ServiceStats, bound_ms: float) -> int:
    """Requests of `stats` in histogram buckets wholly above `bound_ms`."""
    return sum(stats.latency.histogram[slow_from(bound_ms) :])


def burning(
    by_window: Mapping[int, Sequence[ServiceStats]],
    policy: BudgetPolicy,
    owners: Mapping[str, str] | None = None,
) -> tuple[Burn, ...]:
    """The services whose budgets burn under `policy`, fastest first.

    `by_window[s]` holds each service's statistics over the last `s` seconds; a window
    missing, or a service missing from one, counts as no requests (no burn). A service
    firing several rules for one budget is listed under the fastest-burning one.
    """
    bound = policy.slow_bound_ms
    counts = {
        seconds: {
            stats.service: (stats.requests, stats.errors, slow_count(stats, bound))
            for stats in by_window.get(seconds, ())
        }
        for seconds in policy.windows
    }
    return burning_counts(counts, policy, owners)


def burning_counts(
    counts: Mapping[int, Mapping[str, Counts]],
    policy: BudgetPolicy,
    owners: Mapping[str, str] | None = None,
) -> tuple[Burn, ...]:
    """As `burning`, from each service's `Counts` over the last `s` seconds in `counts[s]`.

    The slow requests are those above `policy.slow_bound_ms`.
    """
    budget = 1.0 - policy.objective
    found: dict[tuple[str, str], Burn] = {}
    for rule in policy.rules:
        long, short = counts.get(rule.long_s, {}), counts.get(rule.short_s, {})
        for service, (requests, errors, slow) in long.items():
            if service not in short or requests <= 0:
                continue
            s_requests, s_errors, s_slow = short[service]
            if s_requests <= 0:
                continue
            for name, bad, s_bad in (("errors", errors, s_errors), ("latency", slow, s_slow)):
                long_rate = bad / requests / budget
                short_rate = s_bad / s_requests / budget
                if long_rate < rule.rate or short_rate < rule.rate:
                    continue
                key = (service, name)
                owner = (owners or {}).get(service)
                burn = Burn(
                    service=service,
                    budget=name,
                    long_s=rule.long_s,
                    short_s=rule.short_s,
                    threshold=rule.rate,
                    long_rate=long_rate,
                    short_rate=short_rate,
                    requests=requests,
                    owner=owner,
                )
                if key not in found or found[key].long_rate < long_rate:
                    found[key] = burn
    return tuple(sorted(found.values(), key=lambda b: (-b.long_rate, b.service, b.budget)))
