"""Which stretches of what the store holds are kept as days, hours and minutes."""

from __future__ import annotations

from dataclasses import dataclass

from topology.retention import DAY, HOUR, Retention, cuts

MINUTE = 60


@dataclass(frozen=True, slots=True)
class Tier:
    """From `start` to `end` (epoch seconds), buckets are `step` seconds long."""

    name: str
    step: int
    start: int
    end: int

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return {"tier": self.name, "step": self.step, "start": self.start, "end": self.end}


def held_tiers(first: int, last: int, *, now_s: int, retention: Retention) -> list[Tier]:
    """The tiers of buckets from `first` to `last`, oldest first, as retention cuts at `now_s`.

    Where a compaction at `now_s` would have moved minutes into hours and hours into days;
    tiers without any of [first, last] are left out, and the span always ends at `last`.
    """
    cut = cuts(now_s, retention)
    bounds = [
        ("days", DAY, first, cut.hours_before),
        ("hours", HOUR, cut.hours_before, cut.minutes_before),
        ("minutes", MINUTE, cut.minutes_before, last),
    ]
    found = []
    for name, step, start, end in bounds:
        low, high = max(start, first), min(end, last)
        if low < high or (name == "minutes" and low <= high):
            found.append(Tier(name, step, low, high))
    if not found:
        # Everything held is older than the minute tier reaches: its last bucket's tier.
        name, step = ("hours", HOUR) if last >= cut.hours_before else ("days", DAY)
        found.append(Tier(name, step, first, last))
    return found
