"""The periodic jobs of `svcmap serve`.

A refresh pass (`refresh_once`), the map of now read ahead, then a compaction; the
storing of the OTLP client spans that waited for their server spans long enough; the open
incidents ranked again as the calls come in (`follow_open`); with `SVCMAP_WARNINGS=on`, an
early warning pass (`warn_under_lease`) every `warnings_interval`.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.adapters.store.early_warnings import WarningLog
from bot.adapters.store.slices import SliceReader
from bot.bootstrap import App, alert_desk, refreshing
from bot.usecases.compacting import compact_once
from bot.usecases.map_questions import map_of, warm_map
from bot.usecases.receiving import Receiver
from bot.usecases.refresh import refresh_once
from bot.usecases.warning_picture import warning_picture

if TYPE_CHECKING:
    from bot.usecases.early_warnings import PassReport

log = logging.getLogger(__name__)


def default_holder() -> str:
    """This process's name on the refresh lease: hostname and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


SETTLE_EVERY_S = 1


def start_refresher(
    app: App, *, holder: str, receiver: Receiver | None = None, speed: float = 1.0
) -> BackgroundScheduler:
    """Refresh and compact every `refresh_interval` seconds; with no source set, only compact.

    With a `receiver`, its waiting client spans are stored every second once due. The
    open incidents are followed every `EVIDENCE_EVERY_S`, and the warning pass runs every
    `warnings_interval`, seconds of the app's clock, which runs `speed` times as fast as
    the wall clock (the demo's may); each at most once a second.
    """
    scheduler = BackgroundScheduler(timezone=UTC)
    if receiver is not None:
        scheduler.add_job(
            settle,
            IntervalTrigger(seconds=SETTLE_EVERY_S, timezone=UTC),
            args=[receiver],
            id="settle",
            max_instances=1,
            coalesce=True,
        )
    scheduler.add_job(
        _refresh,
        IntervalTrigger(seconds=app.settings.refresh_interval, timezone=UTC),
        args=[app, holder],
        id="refresh",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    # Imported here: a one-off `svcmap refresh` needs none of the alerts' modules.
    from bot.usecases.alerting import EVIDENCE_EVERY_S  # noqa: PLC0415 - serving only

    scheduler.add_job(
        _follow,
        IntervalTrigger(seconds=max(1.0, EVIDENCE_EVERY_S / speed), timezone=UTC),
        args=[app],
        id="follow",
        max_instances=1,
        coalesce=True,
    )
    if app.settings.warnings == "on":
        scheduler.add_job(
            _warn,
            IntervalTrigger(seconds=max(1.0, app.settings.warnings_interval / speed), timezone=UTC),
            args=[app, holder],
            id="warnings",
            max_instances=1,
            coalesce=True,
        )
    scheduler.start()
    return scheduler


def settle(receiver: Receiver, *, everything: bool = False) -> None:
    """Store the client spans done waiting (all of them, at shutdown); failures are logged."""
    try:
        receiver.settle(everything=everything)
    except Exception as error:  # noqa: BLE001 - they are still held; the next run retries
        log.error("could not store waiting OTLP spans: %s", error)  # noqa: TRY400 - one line, no traceback, once a pass


def _refresh(app: App, holder: str) -> None:
    """One pass, the map of now read ahead, then a compaction by the pass that held the lease.

    The map first: compacting only makes buckets older than the minutes kept coarser, and
    a server started after days away has all its minutes to compact (160,000 of a
    5,000-service map: seconds) while the first question waits for the map. Failures are
    logged.
    """
    try:
        report = refresh_once(refreshing(app), holder=holder)
    except Exception as error:  # noqa: BLE001 - the next pass must still run
        log.error("refresh failed: %s", error)  # noqa: TRY400 - the message only, no traceback
        return
    for item in report.sources:
        if item.error:
            log.warning("refresh of %s failed: %s", item.name, item.error)
    _warm(app)
    if report.leased:
        _compact(app)


def _follow(app: App) -> None:
    """Rank again the open incidents whose evidence is due; failures are logged."""
    from bot.usecases.alerting import follow_open  # noqa: PLC0415 - as `start_refresher`

    try:
        followed = follow_open(alert_desk(app))
    except Exception as error:  # noqa: BLE001 - the next run must still come
        log.error("could not rank the open incidents again: %s", error)  # noqa: TRY400 - the message only
        return
    if followed:
        log.info("ranked %d open incidents again", followed)


def _warn(app: App, holder: str) -> None:
    """One early warning pass, by the process holding its lease; failures are logged."""
    try:
        report = warn_now(app, holder=holder)
    except Exception as error:  # noqa: BLE001 - the next pass must still run
        log.error("warning pass failed: %s", error)  # noqa: TRY400 - the message only
        return
    if report is not None and (report.posted or report.failed):
        log.info(
            "warnings: %d open, %d heads-ups posted, %d not posted",
            report.open,
            report.posted,
            report.failed,
        )


def warn_now(app: App, *, holder: str) -> PassReport | None:
    """One early warning pass at `app`'s now, if `holder` takes its lease; else None."""
    # Imported here: its statistics (scipy) cost a second at start-up, before /healthz.
    from bot.usecases.early_warnings import (  # noqa: PLC0415 - scipy only when a pass runs
        WarningDesk,
        WarningSchedule,
        warn_under_lease,
    )

    settings = app.settings
    schedule = WarningSchedule(
        interval_s=settings.warnings_interval,
        horizon_s=settings.warnings_horizon,
        days=settings.warnings_days,
    )
    desk = WarningDesk(
        lease=app.states,
        slices=SliceReader(app.engine),
        warnings=WarningLog(app.engine),
        heads_up=app.heads_up,
        schedule=schedule,
        picture=partial(warning_picture, partial(map_of, app), app.catalog),
    )
    return warn_under_lease(desk, holder=holder, now_s=app.now())


def _warm(app: App) -> None:
    """Read the map questions about now will use, so an answer never waits for the store."""
    try:
        warm_map(app)
    except Exception as error:  # noqa: BLE001 - a question will read it itself
        log.warning("could not read the map ahead of questions: %s", error)


def _compact(app: App) -> None:
    try:
        done = compact_once(app.store, app.settings.retention, now_s=app.now())
    except Exception as error:  # noqa: BLE001 - the next pass must still run
        log.error("compaction failed: %s", error)  # noqa: TRY400 - the message only
        return
    counts = (
        done.minutes.rows,
        done.hours.rows,
        done.days_deleted,
        done.traces_forgotten,
        done.imports_deleted,
    )
    if done.ahead_deleted:
        log.warning("compaction deleted %d rows stamped over a day ahead", done.ahead_deleted)
    if any(counts):
        log.info(
            "compacted: %d minute rows into hours, %d hour rows into days, %d day rows "
            "deleted; %d trace records and %d import log lines deleted",
            *counts,
        )
