"""The alert workers of `svcmap serve`: threads recording the notifications the webhook queued.

The webhook stores each notification in the outbox and answers at once; a worker claims
it, gathers the evidence, records the incident with its pages and posts, wakes the
sender, and hands the snapshot to the saver, a thread of its own, so that writing it out
never holds up the next notification. A few workers at most run at once, whatever the load:
in a storm notifications wait in the outbox, and past `limit` waiting the webhook asks
Alertmanager to send again later.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.adapters.store.incident_rows import Outcome, Recorded
from bot.adapters.store.outbox import AlertOutbox, Entry
from bot.bootstrap import App, alert_desk
from bot.usecases.alerting import (
    Evidence,
    Receipt,
    gather,
    group_hash,
    receive_alerts,
    save_evidence,
)
from bot.usecases.kept_snapshots import save_lost_snapshots
from topology.errors import AlertFormatError, SvcmapError
from topology.incidents.model import AlertGroup
from topology.incidents.webhook import parse_webhook
from topology.rca import Snapshot

log = logging.getLogger(__name__)

ROUNDS = 5
"""Tries a notification gets before it is left failed in the outbox (and logged)."""
RETRY_BASE_S = 5
"""The wait before a notification's second try; doubled for each later one."""
IDLE_S = 1.0
"""How often an idle worker looks at the outbox unwoken (rows of other replicas, retries)."""
SAVES_WAITING = 8
"""Snapshots waiting for the saver at most; past that a worker waits for room (memory)."""
LOST_EVERY_S = 30.0
"""How often an idle saver looks for snapshots a stopped process left unsaved."""

Save = Callable[[App, Receipt], None]


@dataclass(frozen=True, slots=True)
class AppSnapshots:
    """Lost snapshots made again as `app` reads the evidence and saves an opening's."""

    app: App

    def evidence(self, symptom: str, at_s: int) -> Evidence:
        """The evidence for `symptom` at `at_s`, as alerts ranked then read it."""
        return gather(alert_desk(self.app), symptom, at_s)

    def save(self, incident_id: int, key: str, snapshot: Snapshot) -> None:
        """Save `snapshot` with incident `incident_id`, as the opening's saver does."""
        save_receipt(self.app, Receipt(Recorded(Outcome.OPENED, incident_id, key), snapshot))


def save_lost(app: App, *, lost_after_s: int) -> int:
    """Make again, now, the snapshots `app`'s store lost `lost_after_s` after they were due."""
    return save_lost_snapshots(
        app.incidents, AppSnapshots(app), lost_after_s=lost_after_s, now_s=app.now()
    )


Work = Callable[[App, Entry], Receipt]


def work(app: App, entry: Entry) -> Receipt:
    """Record the notification `entry` holds, as the webhook would have at once."""
    return receive_alerts(alert_desk(app), parse_webhook(entry.body))


def save_receipt(app: App, receipt: Receipt) -> None:
    """Save the evidence `receipt` left to save (`save_evidence`), with `app`'s parts now."""
    save_evidence(alert_desk(app), receipt)


class AlertWorkers:
    """`count` daemon threads working the outbox, and one saving the evidence they gathered.

    `accept` queues a notification; `work` records one (`work`), and `save`
    (`save_evidence`) is what the saver does with each receipt. A claimed notification is
    left to its worker for `lease_s` seconds; past that another worker or replica takes it
    (its worker died).
    """

    def __init__(
        self,
        app: App,
        outbox: AlertOutbox,
        *,
        holder: str,
        count: int,
        limit: int,
        wake_sender: Callable[[], None] | None = None,
        lease_s: int,
        save: Save = save_receipt,
        work: Work = work,
    ) -> None:
        self._app = app
        self._outbox = outbox
        self._holder = holder
        self._limit = limit
        self._wake_sender = wake_sender
        self._lease_s = lease_s
        self._save = save
        self._work = work
        self._working: dict[int, Entry] = {}
        self._working_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._waiting: queue.Queue[Receipt] = queue.Queue(SAVES_WAITING)
        self._threads = [
            threading.Thread(target=self._run, name=f"svcmap-alerts-{n}", daemon=True)
            for n in range(count)
        ]
        self._saver = threading.Thread(target=self._save_all, name="svcmap-saver", daemon=True)

    def accept(self, body: bytes, group: AlertGroup) -> int | None:
        """Store a notification to work; its outbox id, or None when too many wait."""
        queued = self._outbox.put(
            body, group_hash=group_hash(group), now_s=self._app.now(), limit=self._limit
        )
        if queued is not None:
            self._wake.set()
        return queued

    def start(self) -> None:
        """Start the workers and the saver; the workers first work what a previous run left."""
        self._saver.start()
        for thread in self._threads:
            thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop after the notifications being worked; wait for them up to `timeout_s` in all.

        One left unfinished is released (`AlertOutbox.release`), so the next process or a
        replica takes it at once rather than once its lease has passed; recording it again
        is harmless should its worker still finish. The snapshots waiting are saved within
        the same time; one left unsaved is logged, and made again by the saver of a later
        process, a lease after its incident opened.
        """
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))
        self._release_unfinished()
        if self._saver.is_alive():
            self._saver.join(max(0.0, deadline - time.monotonic()))
        left = self._waiting.qsize()
        if left:
            log.warning("stopped with %d incident snapshots unsaved", left)

    def _release_unfinished(self) -> None:
        """Release the claims of the notifications still being worked."""
        with self._working_lock:
            unfinished = list(self._working.values())
        for entry in unfinished:
            try:
                released = self._outbox.release(entry.id, holder=self._holder)
            except SvcmapError as error:  # its lease passes, and it is worked again then
                log.warning("could not release notification %d: %s", entry.id, error)
                continue
            if released:
                log.warning("stopped while working notification %d; released it", entry.id)

    def save_waiting(self) -> int:
        """Save the evidence waiting for the saver now, in this thread; how many were saved."""
        saved = 0
        while True:
            try:
                receipt = self._waiting.get_nowait()
            except queue.Empty:
                return saved
            self._save_one(receipt)
            saved += 1

    def _save_all(self) -> None:
        look_at = time.monotonic()
        while not (self._stop.is_set() and self._waiting.empty()):
            try:
                receipt = self._waiting.get(timeout=IDLE_S)
            except queue.Empty:
                if time.monotonic() >= look_at and not self._stop.is_set():
                    self._save_lost()
                    look_at = time.monotonic() + LOST_EVERY_S
                continue
            self._save_one(receipt)

    def _save_lost(self) -> None:
        """Save the snapshots a stopped process left unsaved (a lease after they were due)."""
        try:
            save_lost(self._app, lost_after_s=self._lease_s)
        except SvcmapError as error:
            log.warning("could not make the snapshots left unsaved: %s", error)

    def _save_one(self, receipt: Receipt) -> None:
        try:
            self._save(self._app, receipt)
        except SvcmapError:
            log.exception("could not save the snapshot of incident %s", receipt.recorded.key)

    def _run(self) -> None:
        while not self._stop.is_set():
            while not self._stop.is_set() and self.work_one():
                pass
            self._wake.wait(IDLE_S)
            self._wake.clear()

    def work_one(self) -> bool:
        """Claim and work one notification; whether there was one to take."""
        outbox, app = self._outbox, self._app
        try:
            entry = outbox.claim(holder=self._holder, now_s=app.now(), lease_s=self._lease_s)
        except SvcmapError as error:
            log.error("could not read the alert outbox: %s", error)  # noqa: TRY400 - message only
            return False
        if entry is None:
            return False
        with self._working_lock:
            self._working[entry.id] = entry
        try:
            receipt = self._work(app, entry)
        except AlertFormatError as error:
            self._failed(entry, str(error), retry=False)
            return True
        except Exception as error:  # noqa: BLE001 - the worker must outlive one bad notification
            self._failed(entry, str(error) or type(error).__name__, retry=True)
            return True
        else:
            self._finish(entry, receipt)
            return True
        finally:
            with self._working_lock:
                self._working.pop(entry.id, None)

    def _finish(self, entry: Entry, receipt: Receipt) -> None:
        try:
            self._outbox.done(entry.id, holder=self._holder)
        except SvcmapError as error:  # recorded; worked again it changes nothing
            log.warning("could not clear notification %d from the outbox: %s", entry.id, error)
        if self._wake_sender is not None and receipt.recorded.to_send:
            self._wake_sender()
        if receipt.to_save:
            self._waiting.put(receipt)  # waits for room while the saver is behind

    def _failed(self, entry: Entry, error: str, *, retry: bool) -> None:
        retry_at = None
        if retry and entry.attempts < ROUNDS:
            retry_at = self._app.now() + RETRY_BASE_S * 2 ** (entry.attempts - 1)
        if retry_at is None:
            log.error("gave up on alert notification %d: %s", entry.id, error)
        else:
            log.warning(
                "alert notification %d failed (try %d): %s", entry.id, entry.attempts, error
            )
        try:
            self._outbox.failed(entry.id, holder=self._holder, error=error, retry_at=retry_at)
        except SvcmapError as stored:  # the claim lapses; it is tried again after the lease
            log.warning("could not note the failure of notification %d: %s", entry.id, stored)
