"""How many new names each source may bring onto the map, like the servicegraph `max_items`.

A name already on the map (stored, or let in before in the current window) always
passes. A new name passes while its source has let in fewer than the cap of its kind
(services, virtual nodes) in the current window and, where the rate applies, while the
source's budget of new names holds a token: the budget holds `new_per_minute` tokens
and refills at that many a minute. A new edge passes while its source let in fewer
than the edge cap in the window; an edge with a refused end is refused with it.

What each source's window let in is remembered until the window ends, so the memory a
source takes is bounded by the caps. Calls and served requests naming a refused name or
edge are sifted out, and what was refused is counted per source and reason.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from itertools import islice
from typing import TypeVar

Edge = tuple[str, str]
T = TypeVar("T")

SERVICES = "services_cap"
"""A new instrumented service past its source's cap for the window."""
VIRTUAL = "virtual_cap"
"""A new virtual node (a database, a broker, an uninstrumented peer) past the cap."""
EDGES = "edges_cap"
"""A new edge past its source's cap for the window."""
RATE = "new_names_rate"
"""A new name past its source's budget of new names a minute."""
REASONS = (SERVICES, VIRTUAL, EDGES, RATE)


@dataclass(frozen=True, slots=True)
class NameLimits:
    """What one source may add: new names per window by kind, and new names a minute."""

    services: int = 10_000
    virtual: int = 10_000
    edges: int = 100_000
    new_per_minute: int = 500
    window_s: int = 86_400


@dataclass(frozen=True, slots=True)
class Offer:
    """The names and edges of one batch; each name with whether it reported spans itself."""

    names: dict[str, bool]
    edges: set[Edge]


@dataclass(frozen=True, slots=True)
class Verdict:
    """The new names and edges refused, each with its reason."""

    names: dict[str, str] = field(default_factory=dict)
    edges: dict[Edge, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.names or self.edges)


@dataclass(frozen=True, slots=True)
class Drops:
    """Per reason: the distinct names (or edges) refused, and the calls and requests lost."""

    names: Counter[str] = field(default_factory=Counter)
    items: Counter[str] = field(default_factory=Counter)

    def __bool__(self) -> bool:
        return bool(+self.names or +self.items)


@dataclass(frozen=True, slots=True)
class Admission:
    """The gate a batch passes, the source it comes from, and whether the rate applies."""

    gate: NameGate
    source: str
    rate: bool = True


@dataclass(slots=True)
class _Window:
    """What one source let in during its current window, and its budget of new names."""

    start: int
    tokens: float
    refilled_s: int
    services: set[str] = field(default_factory=set)
    virtual: set[str] = field(default_factory=set)
    edges: set[Edge] = field(default_factory=set)


@dataclass(slots=True)
class _Tally:
    """What one source had refused: in all, and since its last summary."""

    names: Counter[str] = field(default_factory=Counter)
    items: Counter[str] = field(default_factory=Counter)
    pending: Drops = field(default_factory=Drops)
    said_s: int | None = None


class NameGate:
    """Per source, the new names and edges let in this window; thread-safe.

    Names and edges found stored are remembered (at most as many as the caps allow, then
    forgotten all at once), so that a steady stream of known names is rarely looked up.
    """

    def __init__(self, limits: NameLimits) -> None:
        self.limits = limits
        self._windows: dict[str, _Window] = {}
        self._tallies: dict[str, _Tally] = {}
        self._stored_names: set[str] = set()
        self._stored_edges: set[Edge] = set()
        self._lock = threading.Lock()

    def unfamiliar_names(self, source: str, offer: Offer) -> list[str]:
        """The names of `offer` neither found stored before nor let in this window."""
        with self._lock:
            window = self._windows.get(source)
            stored = self._stored_names
            return [
                name
                for name in offer.names
                if name not in stored and (window is None or not _admitted(window, name))
            ]

    def unfamiliar_edges(self, source: str, offer: Offer, stored: Collection[str]) -> list[Edge]:
        """The edges of `offer` that may be stored but are not known to be: both ends stored."""
        with self._lock:
            window = self._windows.get(source)
            known = self._stored_names
            return sorted(
                edge
                for edge in offer.edges
                if edge not in self._stored_edges
                and (window is None or edge not in window.edges)
                and (edge[0] in known or edge[0] in stored)
                and (edge[1] in known or edge[1] in stored)
            )

    def judge(
        self,
        source: str,
        offer: Offer,
        *,
        stored_names: Collection[str],
        stored_edges: Collection[Edge],
        now_s: int,
        rate: bool = True,
    ) -> Verdict:
        """Let in or refuse the names and edges of `offer` that are new.

        New: neither among the `stored_*` (looked up for `unfamiliar_*`) nor found stored
        or let in before. Names are judged in the order offered, then edges in order;
        `rate` False leaves the budget of new names a minute out (history imported in bulk).
        """
        with self._lock:
            self._remember(stored_names, stored_edges)
            window = self._window(source, now_s)
            refused: dict[str, str] = {}
            for name, local in offer.names.items():
                if name in stored_names or name in self._stored_names or _admitted(window, name):
                    continue
                reason = self._let_in(window, name, local=local, rate=rate)
                if reason is not None:
                    refused[name] = reason
            refused_edges: dict[Edge, str] = {}
            for edge in sorted(offer.edges):
                if edge in stored_edges or edge in self._stored_edges or edge in window.edges:
                    continue
                if edge[0] in refused or edge[1] in refused:
                    continue  # sifted out with its refused end
                if len(window.edges) < self.limits.edges:
                    window.edges.add(edge)
                else:
                    refused_edges[edge] = EDGES
            return Verdict(refused, refused_edges)

    def tally(self, source: str, verdict: Verdict, lost: Counter[str]) -> Drops:
        """Count what `verdict` refused and the items it cost; answer the counts."""
        names = Counter(verdict.names.values()) + Counter(verdict.edges.values())
        drops = Drops(names, +lost)
        if not drops:
            return drops
        with self._lock:
            tally = self._tallies.setdefault(source, _Tally())
            for counter, more in ((tally.names, names), (tally.items, drops.items)):
                counter.update(more)
            tally.pending.names.update(names)
            tally.pending.items.update(drops.items)
        return drops

    def summaries(self, *, now_s: int, every_s: int = 60) -> list[str]:
        """One line per source whose refusals are unsaid, if none was said in `every_s`."""
        lines = []
        with self._lock:
            for source, tally in sorted(self._tallies.items()):
                if not tally.pending or (
                    tally.said_s is not None and now_s - tally.said_s < every_s
                ):
                    continue
                lines.append(summary(source, tally.pending, self.limits))
                tally.pending = Drops()
                tally.said_s = now_s
        return lines

    def totals(self) -> dict[tuple[str, str], tuple[int, int]]:
        """Per source and reason, the names refused and items lost since the process began."""
        with self._lock:
            return {
                (source, reason): (tally.names[reason], tally.items[reason])
                for source, tally in self._tallies.items()
                for reason in REASONS
                if tally.names[reason] or tally.items[reason]
            }

    def _remember(self, names: Collection[str], edges: Collection[Edge]) -> None:
        """Note names and edges found stored, forgetting all once past the caps."""
        _remember(self._stored_names, names, self.limits.services + self.limits.virtual)
        _remember(self._stored_edges, edges, self.limits.edges)

    def _window(self, source: str, now_s: int) -> _Window:
        start = now_s - now_s % self.limits.window_s
        window = self._windows.get(source)
        per_minute = self.limits.new_per_minute
        if window is None:
            window = self._windows[source] = _Window(start, float(per_minute), now_s)
        elif window.start != start:
            tokens, refilled = window.tokens, window.refilled_s
            window = self._windows[source] = _Window(start, tokens, refilled)
        elapsed = max(0, now_s - window.refilled_s)
        window.tokens = min(float(per_minute), window.tokens + elapsed * per_minute / 60)
        window.refilled_s = max(window.refilled_s, now_s)
        return window

    def _let_in(self, window: _Window, name: str, *, local: bool, rate: bool) -> str | None:
        """Let `name` into `window`, or answer why not."""
        kept, cap, reason = (
            (window.services, self.limits.services, SERVICES)
            if local
            else (window.virtual, self.limits.virtual, VIRTUAL)
        )
        if len(kept) >= cap:
            return reason
        if rate:
            if window.tokens < 1:
                return RATE
            window.tokens -= 1
        kept.add(name)
        return None


def _remember(kept: set[T], more: Collection[T], cap: int) -> None:
    """Add `more` to `kept`, emptying it first when it would pass `cap`; at most `cap` kept."""
    if len(kept) + len(more) > cap:
        kept.clear()
    kept.update(islice(more, cap))


def _admitted(window: _Window, name: str) -> bool:
    return name in window.services or name in window.virtual


def summary(source: str, drops: Drops, limits: NameLimits) -> str:
    """One line saying what a source had refused, by reason."""
    caps = {
        SERVICES: f"{limits.services:,} new services a window",
        VIRTUAL: f"{limits.virtual:,} new virtual nodes a window",
        EDGES: f"{limits.edges:,} new edges a window",
        RATE: f"{limits.new_per_minute:,} new names a minute",
    }
    parts = [
        f"{drops.names[reason]:,} names and {drops.items[reason]:,} calls over {caps[reason]}"
        for reason in REASONS
        if drops.names[reason] or drops.items[reason]
    ]
    return f"{source}: refused {'; '.join(parts)}"
