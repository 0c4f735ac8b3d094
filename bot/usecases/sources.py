"""How each live source is doing: its last pull, its lag, its last error.

Spans pushed to the OTLP receiver are shown too, by when the last export arrived; a
receiver that has heard nothing for a while is `quiet`, not an error: whether spans
should arrive is for the exporters' owners to say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.adapters.store.name_caps import Refused
from bot.adapters.store.ports import ImportLedger, StateStore
from bot.usecases.name_caps import IMPORT_SOURCE, REFRESH_PREFIX
from bot.usecases.receiving import OTLP_SOURCE
from bot.usecases.staleness import STALE_INTERVALS, SourceStatus, status_of


def source_statuses(
    states: StateStore,
    ledger: ImportLedger,
    *,
    configured: Sequence[str],
    interval_s: int,
    now_s: int,
) -> list[SourceStatus]:
    """The pulled sources, then the OTLP receiver once it stored anything, with refusals.

    `configured` names the sources pulled from (the catalog source last), `interval_s` is
    how often they are pulled. File imports are shown last when the caps on new names
    refused anything of them.
    """
    statuses = pulled_statuses(states, configured, interval_s=interval_s, now_s=now_s)
    statuses += pushed_statuses(ledger, interval_s=interval_s, now_s=now_s)
    refused: dict[str, list[Refused]] = {}
    for item in ledger.refused_names():
        refused.setdefault(item.source.removeprefix(REFRESH_PREFIX), []).append(item)
    statuses = [replace(s, refused=tuple(refused.pop(s.name, ()))) for s in statuses]
    for name, items in sorted(refused.items()):  # imports, and sources no longer configured
        imported = name == IMPORT_SOURCE
        status = SourceStatus(
            name=name,
            configured=False,
            last_success=None,
            last_error_at=None,
            last_error=None,
            lag_s=None,
            stale=not imported,
        )
        statuses.append(replace(status, refused=tuple(items), imported=imported))
    return statuses


def pulled_statuses(
    states: StateStore, configured: Sequence[str], *, interval_s: int, now_s: int
) -> list[SourceStatus]:
    """The `configured` sources, then others the store remembers."""
    found = states.all()
    names = [*configured, *sorted(set(found) - set(configured))]
    return [
        status_of(
            name,
            found.get(name),
            configured=name in configured,
            now_s=now_s,
            interval_s=interval_s,
        )
        for name in names
    ]


def pushed_statuses(ledger: ImportLedger, *, interval_s: int, now_s: int) -> list[SourceStatus]:
    """The OTLP receiver's status, once it stored anything: its last export and lag."""
    last = ledger.last_import(OTLP_SOURCE)
    if last is None:
        return []
    lag = max(0, now_s - last)
    stale = lag > STALE_INTERVALS * interval_s
    return [
        SourceStatus(
            name=OTLP_SOURCE,
            configured=False,
            last_success=last,
            last_error_at=None,
            last_error=None,
            lag_s=lag,
            stale=stale,
            pushed=True,
        )
    ]
