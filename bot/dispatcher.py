"""The sender of `svcmap serve`: one thread sending recorded pages and posts.

It sweeps at start (rows a crash left behind), whenever an alert was recorded
(`wake`), and every `SWEEP_S` seconds (retries that came due). It remembers the pages
PagerDuty accepted that the store did not take, to record them first when it does
(`Deliveries`: on disk too when given a journal, for the next process after a crash),
and the posts begun and those Slack accepted (`posts`), likewise.
"""

from __future__ import annotations

import logging
import threading

from bot.bootstrap import App, dispatch_desk
from bot.usecases.deliveries import Deliveries
from bot.usecases.dispatching import dispatch_due

log = logging.getLogger(__name__)

SWEEP_S = 15.0
"""Seconds between two sweeps when nothing wakes the sender."""


class Dispatcher:
    """A daemon thread running `dispatch_due` on wake-ups and every `interval_s`."""

    def __init__(
        self,
        app: App,
        *,
        holder: str,
        interval_s: float = SWEEP_S,
        deliveries: Deliveries | None = None,
        posts: Deliveries | None = None,
    ) -> None:
        self._app = app
        self._holder = holder
        self._interval_s = interval_s
        self._deliveries = Deliveries() if deliveries is None else deliveries
        self._posts = Deliveries(kind="post") if posts is None else posts
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="svcmap-dispatcher", daemon=True)

    def start(self) -> None:
        """Start sweeping, the first sweep at once."""
        self._thread.start()

    def wake(self) -> None:
        """Sweep as soon as the current sweep (if any) is over."""
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop after the current sweep; wait for it up to `timeout_s`."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        if not self._thread.is_alive():
            self._deliveries.close()
            self._posts.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            self.sweep()
            self._wake.wait(self._interval_s)

    def sweep(self) -> None:
        """One sweep; a failure is logged, never raised, so the next one still runs."""
        try:
            report = dispatch_due(
                dispatch_desk(self._app),
                holder=self._holder,
                deliveries=self._deliveries,
                posts=self._posts,
            )
        except Exception as error:  # noqa: BLE001 - the sender must outlive one bad sweep
            log.error("sending pages and posts failed: %s", error)  # noqa: TRY400 - message only
            return
        if report.failed:
            log.warning("%d pages or posts failed for good", len(report.failed))
