"""The periodic refresh of `svcmap serve`: one APScheduler job over `refresh_once`."""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.bootstrap import App
from bot.usecases.refresh import refresh_once

log = logging.getLogger(__name__)


def default_holder() -> str:
    """This process's name on the refresh lease: hostname and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def start_refresher(app: App, *, holder: str) -> BackgroundScheduler | None:
    """Start refreshing every `refresh_interval` seconds, or None when no source is set.

    The first pass runs at once, so a catalog source is read as the server starts.
    """
    if not app.sources and app.catalog_source is None:
        return None
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(
        _refresh,
        IntervalTrigger(seconds=app.settings.refresh_interval, timezone=UTC),
        args=[app, holder],
        id="refresh",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    return scheduler


def _refresh(app: App, holder: str) -> None:
    """One pass; a failure is logged, never raised into the scheduler."""
    try:
        report = refresh_once(app, holder=holder)
    except Exception as error:  # noqa: BLE001 - the next pass must still run
        log.error("refresh failed: %s", error)  # noqa: TRY400 - the message only, no traceback
        return
    for item in report.sources:
        if item.error:
            log.warning("refresh of %s failed: %s", item.name, item.error)
