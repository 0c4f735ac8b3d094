"""Pages (or posts) whose send has begun and whose outcome the store does not have yet.

PagerDuty's Events API v2 folds a trigger sent again with the same `dedup_key` into the
alert it opened (and a resolve sent again changes nothing), so a page whose send may have
happened is safe to send again; knowing it was accepted, svcmap records it instead. A
post is not: Slack posts it twice. One Slack accepted is recorded where Slack put it; one
cut off is looked for in its channel before it is sent again (`bot.usecases.dispatching`).

With a journal (`bot.adapters.paging.journal`) what is noted here is on disk too, so it outlives
the process: the next one to start records the accepted pages first, and frees the sends
cut off mid-way so that they are sent again at once, not after their claim lapses.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from bot.adapters.paging.journal import Entry, Journal, Step

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Accepted:
    """A send accepted: its row, the claim it was sent under, when, and (a post) where it is."""

    row_id: int
    holder: str
    at_s: int
    ref: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class CutOff:
    """A page whose sender died mid-send: its row and the claim the dead sender held."""

    row_id: int
    holder: str


class Deliveries:
    """The sends begun and those accepted still to record, oldest first; thread-safe.

    `kind` (page, post) names them in the log.
    """

    def __init__(self, journal: Journal | None = None, *, kind: str = "page") -> None:
        self._journal = journal
        self._kind = kind
        self._accepted: dict[int, Accepted] = {}
        self._sending: dict[int, str] = {}
        self._cut_off: dict[int, CutOff] = {}
        self._lock = threading.Lock()
        for entry in self._adopted():
            if entry.step is Step.ACCEPTED:
                self._accepted[entry.row_id] = Accepted(
                    row_id=entry.row_id,
                    holder=entry.holder,
                    at_s=entry.at_s,
                    ref=entry.ref,
                    url=entry.url,
                )
            else:
                self._cut_off[entry.row_id] = CutOff(entry.row_id, entry.holder)

    def _adopted(self) -> list[Entry]:
        """The unfinished sends of dead senders; none, and no journal, when it cannot be read."""
        if self._journal is None:
            return []
        try:
            return self._journal.adopt()
        except OSError as error:
            log.warning("%ss sent are remembered in memory only (journal: %s)", self._kind, error)
            self._journal.close()
            self._journal = None
            return []

    def __len__(self) -> int:
        with self._lock:
            return len(self._accepted)

    def sending(self, row_id: int, holder: str, at_s: int) -> None:
        """Note that page `row_id` is about to be sent under `holder`'s claim."""
        with self._lock:
            self._sending[row_id] = holder
            self._write(Entry(row_id, holder, Step.SENDING, at_s))

    def note(self, accepted: Accepted) -> None:
        """Remember that `accepted` is to be recorded."""
        with self._lock:
            self._sending.pop(accepted.row_id, None)
            self._accepted[accepted.row_id] = accepted
            self._write(
                Entry(
                    row_id=accepted.row_id,
                    holder=accepted.holder,
                    step=Step.ACCEPTED,
                    at_s=accepted.at_s,
                    ref=accepted.ref,
                    url=accepted.url,
                )
            )

    def pending(self) -> list[Accepted]:
        """The accepted pages still to record, oldest first."""
        with self._lock:
            return sorted(self._accepted.values(), key=lambda a: a.at_s)

    def cut_off(self) -> list[CutOff]:
        """The sends a dead sender began and never finished, still to free."""
        with self._lock:
            return list(self._cut_off.values())

    def recorded(self, accepted: Accepted) -> None:
        """Forget `accepted`: its outcome is in the store."""
        self.finished(accepted.row_id, accepted.at_s)

    def finished(self, row_id: int, at_s: int) -> None:
        """Forget page `row_id`: its outcome is in the store, or its send is free again."""
        with self._lock:
            holder = self._forget(row_id)
            if holder is None or self._journal is None:
                return
            if self._accepted or self._sending or self._cut_off:
                self._write(Entry(row_id, holder, Step.DONE, at_s), sync=False)
            else:
                try:
                    self._journal.empty()
                except OSError as error:  # its lines are replayed harmlessly
                    log.warning("could not empty the %s journal: %s", self._kind, error)

    def close(self) -> None:
        """Close the journal; what is still in it waits for the next process."""
        if self._journal is not None:
            self._journal.close()

    def _forget(self, row_id: int) -> str | None:
        """Drop `row_id` from what is noted; the holder it was noted under, if it was."""
        accepted = self._accepted.pop(row_id, None)
        sending = self._sending.pop(row_id, None)
        cut = self._cut_off.pop(row_id, None)
        return accepted.holder if accepted else sending or (cut.holder if cut else None)

    def _write(self, entry: Entry, *, sync: bool = True) -> None:
        if self._journal is None:
            return
        try:
            self._journal.write(entry, sync=sync)
        except OSError as error:  # the send goes on, remembered in memory only
            path = self._journal.path
            log.warning("could not write the %s journal %s: %s", self._kind, path, error)
