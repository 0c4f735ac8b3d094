"""Whether a live source lags: each source's status, and the note every answer about now gives.

Light on purpose: the CLI's read-only questions say when the map may be stale without
loading the store's SQLAlchemy modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.adapters.store.ports import SourceState, StateStore
from topology.timespec import format_duration

if TYPE_CHECKING:
    from bot.adapters.store.name_caps import Refused
    from bot.settings import Settings


class Watching(Protocol):
    """What says whether the sources lag: the app, or the CLI's read-only `Reading`."""

    @property
    def settings(self) -> Settings:
        """The refresh interval, which lag is measured in."""
        ...

    @property
    def states(self) -> StateStore:
        """Each source's progress."""
        ...

    @property
    def source_names(self) -> list[str]:
        """The live sources pulled from."""
        ...

    def now(self) -> int:
        """The current time in Unix seconds."""
        ...


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
        name=name,
        configured=configured,
        last_success=state.last_success,
        last_error_at=state.last_error_at,
        last_error=state.last_error,
        lag_s=lag,
        stale=stale,
    )


def stale_sources(watching: Watching) -> list[SourceStatus]:
    """The configured sources whose data lags: every answer about now says so."""
    names = watching.source_names
    if not names:
        return []
    states = watching.states.all()
    statuses = (
        status_of(
            name,
            states.get(name),
            configured=True,
            now_s=watching.now(),
            interval_s=watching.settings.refresh_interval,
        )
        for name in names
    )
    return [status for status in statuses if status.stale]


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
