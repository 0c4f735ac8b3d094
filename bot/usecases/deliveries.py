"""Pages PagerDuty accepted whose outcome the store did not take: recorded before any other send.

PagerDuty's Events API v2 folds a trigger sent again with the same `dedup_key` into the
alert it opened (and a resolve sent again changes nothing), so a page whose send may have
happened is safe to send again; knowing it was accepted, svcmap records it instead.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Accepted:
    """A page PagerDuty accepted: its row, the claim it was sent under, and when."""

    row_id: int
    holder: str
    at_s: int


class Deliveries:
    """The accepted pages still to record, in the order they were accepted; thread-safe."""

    def __init__(self) -> None:
        self._accepted: dict[int, Accepted] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._accepted)

    def note(self, accepted: Accepted) -> None:
        """Remember that `accepted` is to be recorded."""
        with self._lock:
            self._accepted[accepted.row_id] = accepted

    def pending(self) -> list[Accepted]:
        """The accepted pages still to record, oldest first."""
        with self._lock:
            return list(self._accepted.values())

    def recorded(self, accepted: Accepted) -> None:
        """Forget `accepted`: its outcome is in the store."""
        with self._lock:
            self._accepted.pop(accepted.row_id, None)
