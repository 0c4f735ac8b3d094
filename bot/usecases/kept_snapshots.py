"""Snapshots lost with the process that was to save them, made again from the store.

An incident's snapshot is saved after the incident is recorded and paged, by a thread
that holds the ones waiting in memory; a process that stops or dies first leaves the
incident without one. The incident row says so (no snapshot, its evidence not made
since it opened), so a later process ranks the incident again on what is stored for the
moment it opened, and saves that.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from bot.adapters.store.ports import UnsavedSnapshots

if TYPE_CHECKING:
    from bot.usecases.alerting import Evidence
    from topology.rca import Snapshot

log = logging.getLogger(__name__)

KEPT_S = 3600
"""How far back a lost snapshot is still made: older ones are left without."""
AT_ONCE = 20
"""Incidents looked at in one pass at most."""


class SnapshotMaker(Protocol):
    """What making a lost snapshot again uses: the evidence at a moment, and its saving."""

    def evidence(self, symptom: str, at_s: int) -> Evidence:
        """The map, ranking and snapshot around `at_s` for `symptom`, or why there are none."""
        ...

    def save(self, incident_id: int, key: str, snapshot: Snapshot) -> None:
        """Save `snapshot` as the evidence of incident `incident_id` (`key`), as at its opening."""
        ...


def save_lost_snapshots(
    incidents: UnsavedSnapshots, maker: SnapshotMaker, *, lost_after_s: int, now_s: int
) -> int:
    """Make and save the snapshots not saved `lost_after_s` after their incident opened.

    Each is claimed first (one statement), so of replicas doing this at once one makes
    it; one whose evidence cannot be read now is left without a snapshot, tried once.
    Answers how many were saved.
    """
    saved = 0
    for incident in incidents.unsaved(
        since_s=now_s - KEPT_S, before_s=now_s - lost_after_s + 1, limit=AT_ONCE
    ):
        if incident.symptom is None or not incidents.claim_unsaved(incident.id, now_s=now_s):
            continue
        evidence = maker.evidence(incident.symptom, incident.opened_at)
        if evidence.snapshot is None:
            log.info("incident %s: no snapshot to make again: %r", incident.key, evidence.note)
            continue
        maker.save(incident.id, incident.key, evidence.snapshot)
        log.info("incident %s: saved the snapshot a stopped process had not", incident.key)
        saved += 1
    return saved
