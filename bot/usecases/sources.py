"""How each live source is doing: its last pull, its lag, its last error.

Spans pushed to the OTLP receiver are shown too, by when the last export arrived; a
receiver that has heard nothing for a while is `quiet`, not an error: whether spans
should arrive is for the exporters' owners to say.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.bootstrap import App
from bot.usecases.name_caps import IMPORT_SOURCE, REFRESH_PREFIX
from bot.usecases.receiving import OTLP_SOURCE
from topology.store.name_caps import Refused
from topology.store.sources_state import SourceState
from topology.timespec import format_duration

STALE_INTERVALS = 3
"""A source whose data lags by more than this many refresh intervals is stale."""


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """One source as `svcmap sources` shows it; times in epoch seconds."""

    name: str
    configured: bool
    last_success: int | None
    last_error_at: int | None
    last_error: str | None
    lag_s: int | None
    stale: bool
    pushed: bool = False
    refused: tuple[Refused, ...] = ()
    """What the caps on new names refused of it, by reason."""
    imported: bool = False
    """Not a live source: the files `svcmap import` read, shown for what was refused."""

    @property
    def condition(self) -> str:
        """`ok`, `stale`, `never pulled`, `not configured`; pushed: `receiving` or `quiet`."""
        if self.imported:
            return "imported"
        if self.pushed:
            return "quiet" if self.stale else "receiving"
        if not self.configured:
            return "not configured"
        if self.lag_s is None:
            return "never pulled"
        return "stale" if self.stale else "ok"

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return {
            "source": self.name,
            "configured": self.configured,
            "last_success": self.last_success,
            "last_error_at": self.last_error_at,
            "last_error": self.last_error,
            "lag_s": self.lag_s,
            "stale": self.stale,
            "pushed": self.pushed,
            "refused": [refused.to_dict() for refused in self.refused],
        }


def status_of(
    name: str, state: SourceState | None, *, configured: bool, now_s: int, interval_s: int
) -> SourceStatus:
    """A source's status: its lag is `now - high water`, stale past three intervals."""
    state = state or SourceState(name)
    lag = None if state.high_water is None else max(0, now_s - state.high_water)
    stale = lag is None or lag > STALE_INTERVALS * interval_s
    return SourceStatus(
        name, configured, state.last_success, state.last_error_at, state.last_error, lag, stale
    )


def source_statuses(app: App) -> list[SourceStatus]:
    """The pulled sources, then the OTLP receiver once it stored anything, with refusals.

    File imports are shown last when the caps on new names refused anything of them.
    """
    statuses = pulled_statuses(app) + pushed_statuses(app)
    refused: dict[str, list[Refused]] = {}
    for item in app.store.refused_names():
        refused.setdefault(item.source.removeprefix(REFRESH_PREFIX), []).append(item)
    statuses = [replace(s, refused=tuple(refused.pop(s.name, ()))) for s in statuses]
    for name, items in sorted(refused.items()):  # imports, and sources no longer configured
        imported = name == IMPORT_SOURCE
        status = SourceStatus(name, False, None, None, None, None, not imported)
        statuses.append(replace(status, refused=tuple(items), imported=imported))
    return statuses


def pulled_statuses(app: App) -> list[SourceStatus]:
    """The configured sources (the catalog source last), then others the store remembers."""
    states = app.states.all()
    configured = [source.name for source in app.sources]
    if app.catalog_source is not None:
        configured.append(app.catalog_source.name)
    names = configured + sorted(set(states) - set(configured))
    return [
        status_of(
            name,
            states.get(name),
            configured=name in configured,
            now_s=app.now(),
            interval_s=app.settings.refresh_interval,
        )
        for name in names
    ]


def pushed_statuses(app: App) -> list[SourceStatus]:
    """The OTLP receiver's status, once it stored anything: its last export and lag."""
    last = app.store.last_import(OTLP_SOURCE)
    if last is None:
        return []
    lag = max(0, app.now() - last)
    stale = lag > STALE_INTERVALS * app.settings.refresh_interval
    return [SourceStatus(OTLP_SOURCE, False, last, None, None, lag, stale, pushed=True)]


def stale_sources(app: App) -> list[SourceStatus]:
    """The configured sources whose data lags: every answer about now says so."""
    if not app.sources:
        return []
    return [status for status in pulled_statuses(app) if status.configured and status.stale]


def stale_note(stale: list[SourceStatus]) -> str:
    """One line naming the stale sources and how far behind each is, or ""."""
    if not stale:
        return ""
    parts = [
        f"{status.name} "
        + ("never pulled" if status.lag_s is None else f"{format_duration(status.lag_s)} behind")
        + (f" ({status.last_error})" if status.last_error else "")
        for status in stale
    ]
    return "warning: the map may be stale: " + "; ".join(parts)
