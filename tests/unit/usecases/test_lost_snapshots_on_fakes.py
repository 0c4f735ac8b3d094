"""Making again the snapshots a stopped process lost, on an in-memory incident log.

The use case takes the incident log (`UnsavedSnapshots`), what makes and saves the
evidence (`SnapshotMaker`) and the time as arguments; here each is held in memory. The
store's side (which incidents count as unsaved, one claim among replicas) is held by
`tests/integration/alerts/test_lost_snapshots.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.adapters.store.incident_rows import IncidentRecord
from bot.adapters.store.ports import UnsavedSnapshots
from bot.usecases.alerting import Evidence
from bot.usecases.kept_snapshots import AT_ONCE, KEPT_S, SnapshotMaker, save_lost_snapshots
from topology.rca import Snapshot
from topology.rca.snapshot import Window

NOW_S = 1_700_003_600
LOST_AFTER_S = 120


def _incident(
    incident_id: int, *, symptom: str | None = "payment", opened_at: int
) -> IncidentRecord:
    return IncidentRecord(
        id=incident_id,
        key=f"inc-{incident_id}",
        status="open",
        symptom=symptom,
        cause=None,
        severity="critical",
        title=f"{symptom} is failing",
        opened_at=opened_at,
        resolved_at=None,
        merged_into=None,
        paged_team=None,
        note=None,
        receiver="ops",
    )


def _snapshot(at: int) -> Snapshot:
    return Snapshot(
        baseline=Window(at - 3_600, at - 600),
        incident=Window(at - 600, at),
        services=(),
        edges=(),
        series={},
    )


@dataclass
class FakeLog:
    """Incidents left unsaved; the claims taken, each once; what each look asked."""

    lost: list[IncidentRecord] = field(default_factory=list)
    claimed_elsewhere: set[int] = field(default_factory=set)
    claims: list[tuple[int, int]] = field(default_factory=list)
    asked: list[tuple[int, int, int]] = field(default_factory=list)

    def unsaved(self, *, since_s: int, before_s: int, limit: int) -> list[IncidentRecord]:
        self.asked.append((since_s, before_s, limit))
        found = [i for i in self.lost if since_s <= i.opened_at < before_s]
        return found[:limit]

    def claim_unsaved(self, incident_id: int, *, now_s: int) -> bool:
        if incident_id in self.claimed_elsewhere:
            return False
        self.claims.append((incident_id, now_s))
        self.claimed_elsewhere.add(incident_id)
        return True


@dataclass
class FakeMaker:
    """Evidence for the services it knows, at the moment asked; the snapshots saved."""

    known: set[str] = field(default_factory=lambda: {"payment"})
    read: list[tuple[str, int]] = field(default_factory=list)
    saved: list[tuple[int, str, Snapshot]] = field(default_factory=list)

    def evidence(self, symptom: str, at_s: int) -> Evidence:
        self.read.append((symptom, at_s))
        if symptom not in self.known:
            return Evidence(symptom, note=f"{symptom} is not on the map")
        return Evidence(symptom, snapshot=_snapshot(at_s))

    def save(self, incident_id: int, key: str, snapshot: Snapshot) -> None:
        self.saved.append((incident_id, key, snapshot))


def test_the_fakes_are_the_ports_the_use_case_takes() -> None:
    log: UnsavedSnapshots = FakeLog()
    maker: SnapshotMaker = FakeMaker()
    assert save_lost_snapshots(log, maker, lost_after_s=LOST_AFTER_S, now_s=NOW_S) == 0


def test_a_lost_snapshot_is_made_for_the_moment_its_incident_opened_and_saved() -> None:
    opened = NOW_S - 600
    log, maker = FakeLog([_incident(7, opened_at=opened)]), FakeMaker()

    saved = save_lost_snapshots(log, maker, lost_after_s=LOST_AFTER_S, now_s=NOW_S)

    assert saved == 1
    assert log.claims == [(7, NOW_S)]
    assert maker.read == [("payment", opened)]
    assert maker.saved == [(7, "inc-7", _snapshot(opened))]


def test_only_incidents_opened_within_the_hour_and_a_lease_ago_are_looked_at() -> None:
    log = FakeLog(
        [
            _incident(1, opened_at=NOW_S - KEPT_S - 1),  # too old: left without
            _incident(2, opened_at=NOW_S - KEPT_S),
            _incident(3, opened_at=NOW_S - LOST_AFTER_S),
            _incident(4, opened_at=NOW_S - LOST_AFTER_S + 1),  # its saver may still be at it
        ]
    )
    maker = FakeMaker()

    saved = save_lost_snapshots(log, maker, lost_after_s=LOST_AFTER_S, now_s=NOW_S)

    assert log.asked == [(NOW_S - KEPT_S, NOW_S - LOST_AFTER_S + 1, AT_ONCE)]
    assert saved == 2
    assert [incident_id for incident_id, _, _ in maker.saved] == [2, 3]


def test_one_claimed_by_another_replica_or_without_a_symptom_is_not_made() -> None:
    log = FakeLog(
        [
            _incident(1, opened_at=NOW_S - 600),
            _incident(2, symptom=None, opened_at=NOW_S - 600),
            _incident(3, opened_at=NOW_S - 300),
        ],
        claimed_elsewhere={1},
    )
    maker = FakeMaker()

    saved = save_lost_snapshots(log, maker, lost_after_s=LOST_AFTER_S, now_s=NOW_S)

    assert saved == 1
    assert log.claims == [(3, NOW_S)]  # no symptom: not even claimed
    assert [incident_id for incident_id, _, _ in maker.saved] == [3]


def test_one_whose_evidence_cannot_be_read_is_left_without_and_not_counted() -> None:
    log = FakeLog([_incident(1, symptom="gone", opened_at=NOW_S - 600)])
    maker = FakeMaker()

    saved = save_lost_snapshots(log, maker, lost_after_s=LOST_AFTER_S, now_s=NOW_S)

    assert saved == 0
    assert log.claims == [(1, NOW_S)]  # claimed, so tried once
    assert maker.read == [("gone", NOW_S - 600)]
    assert maker.saved == []
