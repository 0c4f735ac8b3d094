"""How each live source is doing: its last pull, its lag, its last error.

Spans pushed to the OTLP receiver are shown too, by when the last export arrived; a
receiver that has heard nothing for a while is `quiet`, not an error: whether spans
should arrive is for the exporters' owners to say.
"""

from __future__ import annotations

from dataclasses import replace

from bot.adapters.store.name_caps import Refused
from bot.bootstrap import App
from bot.usecases.name_caps import IMPORT_SOURCE, REFRESH_PREFIX
from bot.usecases.receiving import OTLP_SOURCE
from bot.usecases.staleness import STALE_INTERVALS, SourceStatus, status_of


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
