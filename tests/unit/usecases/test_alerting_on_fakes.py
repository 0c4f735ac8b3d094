"""Receiving alerts, on an incident log, evidence and a clock held in memory.

The use case takes the incident log (`AlertIncidents`), the evidence (`AlertInputs`), the
catalog, the redaction, the settings' rules and the clock (`AlertDesk`) as arguments;
here each is held in memory, the evidence a hand-made map and snapshot. The store's
side, storms and replicas are held by `tests/integration/alerts/`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bot.adapters.store.incident_rows import (
    AlertRow,
    IncidentRecord,
    Opening,
    Outcome,
    PageRow,
    Recorded,
    SurePage,
)
from bot.adapters.store.ports import AlertIncidents
from bot.usecases.alerting import (
    EVIDENCE_EVERY_S,
    AlertDesk,
    AlertRules,
    Receipt,
    group_hash,
    receive_alerts,
    refresh_joined,
    save_evidence,
)
from tests.unit.graph.factories import catalog, graph_of
from tests.unit.rca.factories import latency, snapshot
from tests.unit.usecases.records import incident
from topology.graph import ServiceGraph
from topology.incidents.decide import Episode, RecentIncident
from topology.incidents.keys import incident_key
from topology.incidents.model import RESOLVE_HOLD_S, PagingMode, SendState
from topology.incidents.webhook import parse_webhook
from topology.rca import Snapshot
from topology.redaction import Redaction, redaction_of

NOW_S = 1_777_602_000
EDGES = [("frontend", "cart"), ("cart", "redis"), ("frontend", "search")]
GRAPH = graph_of(*EDGES)
SNAPSHOT = snapshot(
    EDGES,
    {
        "frontend": latency(100, 420),
        "cart": latency(40, 350),
        "redis": latency(2, 300),
        "search": latency(30, 30),
    },
)
CATALOG = catalog(
    {"redis": "storage", "frontend": "web"},
    {"storage": "#storage", "web": "#web"},
    {"storage": "S" * 32, "web": "W" * 32},
)
RULES = AlertRules(
    labels=("service",),
    paging_mode=PagingMode.ON,
    incident_channel="#incidents",
    key_secret=b"k" * 32,
)


def _group(service: str | None = "frontend", *, status: str = "firing") -> bytes:
    labels = {"alertname": "HighLatency", "severity": "critical"}
    if service is not None:
        labels["service"] = service
    alert = {
        "status": status,
        "labels": labels,
        "annotations": {"summary": "slow"},
        "startsAt": "2026-05-01T02:20:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": "fp-1",
    }
    document = {
        "receiver": "svcmap",
        "status": status,
        "alerts": [alert],
        "groupLabels": {},
        "commonLabels": labels,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "version": "4",
        "groupKey": f"{{}}:{{service={service!r}}}",
        "truncatedAlerts": 0,
    }
    return json.dumps(document).encode()


@dataclass
class FakeIncidents:
    """Openings and alerts as recorded; `open` is the group's open incident, if any."""

    open: IncidentRecord | None = None
    records: dict[int, IncidentRecord] = field(default_factory=dict)
    due: bool = True
    opened: list[tuple[Opening, list[AlertRow], str]] = field(default_factory=list)
    resolved: list[tuple[str, list[AlertRow], str]] = field(default_factory=list)
    saved: list[tuple[int, bytes, str | None]] = field(default_factory=list)
    related: list[frozenset[str] | None] = field(default_factory=list)
    explained_by: list[frozenset[str]] = field(default_factory=list)
    sure_pages: list[tuple[int, PageRow, str | None, str]] = field(default_factory=list)
    held: Recorded | None = None
    reopen_asked: list[tuple[str, int]] = field(default_factory=list)
    holds: list[int] = field(default_factory=list)

    def open_for_group(self, group_hash: str) -> IncidentRecord | None:
        return self.open if self.open and group_hash else None

    def by_key(self, key: str) -> IncidentRecord | None:
        return self.open if self.open and self.open.key == key else None

    def incident(self, incident_id: int) -> IncidentRecord | None:
        return self.records.get(incident_id)

    def recent_open(self, since_s: int) -> list[RecentIncident]:
        assert since_s < NOW_S
        return []

    def episodes(self, symptom: str, since_s: int) -> list[Episode]:
        assert since_s < NOW_S
        return [
            Episode(r.opened_at, r.resolved_at)
            for r in self.records.values()
            if r.symptom == symptom
        ]

    def record_firing(
        self,
        opening: Opening,
        alerts: Sequence[AlertRow],
        *,
        now_s: int,
        notice_state: str = SendState.DRY_RUN.value,
        related: frozenset[str] | None = None,
        explained_by: frozenset[str] = frozenset(),
    ) -> Recorded:
        assert now_s == NOW_S
        self.opened.append((opening, list(alerts), notice_state))
        self.related.append(related)
        self.explained_by.append(explained_by)
        if self.open is not None:
            return Recorded(Outcome.UPDATED, self.open.id, self.open.key)
        return Recorded(Outcome.OPENED, 1, opening.key, to_send=len(opening.pages))

    def reopen_held(
        self,
        group_hash: str,
        alerts: Sequence[AlertRow],
        *,
        now_s: int,
        since_s: int,
        notice_state: str,
    ) -> Recorded | None:
        assert now_s == NOW_S
        assert alerts
        assert notice_state
        self.reopen_asked.append((group_hash, since_s))
        return self.held

    def record_resolved(
        self,
        group_hash: str,
        alerts: Sequence[AlertRow],
        *,
        now_s: int,
        all_resolved: bool,
        notice_state: str,
        hold_s: int,
    ) -> Recorded:
        assert now_s == NOW_S
        assert all_resolved
        self.holds.append(hold_s)
        self.resolved.append((group_hash, list(alerts), notice_state))
        return Recorded(Outcome.RESOLVED, 1, "INC-1")

    def claim_evidence(
        self, incident_id: int, *, now_s: int, every_s: int
    ) -> IncidentRecord | None:
        assert every_s == EVIDENCE_EVERY_S
        assert now_s == NOW_S
        return self.records.get(incident_id) if self.due else None

    def save_snapshot(self, incident_id: int, data: bytes, *, cause: str | None = None) -> None:
        self.saved.append((incident_id, data, cause))

    def record_sure_page(
        self, incident_id: int, sure: SurePage, *, now_s: int, notice_state: str
    ) -> bool:
        assert now_s == NOW_S
        assert sure.reply["cause"] == sure.page.service
        self.sure_pages.append((incident_id, sure.page, sure.paged_first, notice_state))
        return True


@dataclass
class FakeInputs:
    """A hand-made map and snapshot; counts what was read and cut."""

    graph_of: ServiceGraph = GRAPH
    snapshot: Snapshot = SNAPSHOT
    reads: list[str] = field(default_factory=list)
    cut: list[Snapshot] = field(default_factory=list)

    def graph(self, now: int) -> ServiceGraph:
        assert now == NOW_S
        self.reads.append("graph")
        return self.graph_of

    def lean(self, symptom: str, now: int) -> tuple[ServiceGraph, Snapshot]:
        assert now == NOW_S
        self.reads.append(symptom)
        self.graph_of.resolve(symptom)  # UnknownServiceError, as the store's inputs raise
        return self.graph_of, self.snapshot

    def followed(self, symptom: str, since: int, now: int) -> tuple[ServiceGraph, Snapshot]:
        assert since < now
        self.reads.append(f"{symptom} since {since}")
        return self.lean(symptom, now)

    def to_save(self, snapshot: Snapshot) -> Snapshot:
        self.cut.append(snapshot)
        return snapshot


def _desk(
    incidents: FakeIncidents,
    inputs: FakeInputs,
    *,
    notify: bool = True,
    redaction: Redaction | None = None,
    rules: AlertRules = RULES,
) -> AlertDesk:
    return AlertDesk(
        incidents=incidents,
        inputs=inputs,
        catalog=CATALOG,
        redaction=redaction or Redaction(()),
        rules=rules,
        notify=notify,
        clock=lambda: NOW_S,
    )


def _incident(incident_id: int, *, merged_into: int | None = None) -> IncidentRecord:
    return incident(incident_id, symptom="frontend", opened_at=NOW_S - 600, merged_into=merged_into)


def test_the_fake_is_the_port_the_use_case_records_in() -> None:
    port: AlertIncidents = FakeIncidents()
    assert port.recent_open(NOW_S - 1) == []


def test_a_new_group_opens_an_incident_blaming_the_ranked_cause_and_keeps_its_snapshot() -> None:
    incidents, inputs = FakeIncidents(), FakeInputs()

    receipt = receive_alerts(_desk(incidents, inputs), parse_webhook(_group("frontend")))

    [(opening, alerts, posts)] = incidents.opened
    assert opening.symptom == "frontend"
    assert opening.cause == "redis"
    assert [a.service for a in alerts] == ["frontend"]
    assert posts == SendState.PENDING.value
    assert opening.notices
    assert receipt.recorded.outcome is Outcome.OPENED
    assert receipt.snapshot is SNAPSHOT
    assert inputs.reads == ["graph", "frontend"]
    [related] = incidents.related
    assert related is not None
    assert {"cart", "search"} <= related
    assert incidents.explained_by == [frozenset()]  # sure of redis: no incident explains it


def test_a_resolved_group_is_recorded_resolved_without_reading_evidence() -> None:
    incidents, inputs = FakeIncidents(), FakeInputs()

    receipt = receive_alerts(_desk(incidents, inputs), parse_webhook(_group(status="resolved")))

    assert receipt.recorded.outcome is Outcome.RESOLVED
    assert len(incidents.resolved) == 1
    assert incidents.opened == []
    assert inputs.reads == []


def test_a_resolve_is_held_for_the_hold_before_it_is_sent() -> None:
    incidents = FakeIncidents()

    receive_alerts(_desk(incidents, FakeInputs()), parse_webhook(_group(status="resolved")))

    assert incidents.holds == [RESOLVE_HOLD_S]


def test_a_group_firing_again_within_the_hold_reopens_its_incident_and_ranks_nothing() -> None:
    group = parse_webhook(_group("frontend"))
    incidents = FakeIncidents(held=Recorded(Outcome.REOPENED, 3, "INC-3"))
    inputs = FakeInputs()

    receipt = receive_alerts(_desk(incidents, inputs), group)

    assert receipt.recorded.outcome is Outcome.REOPENED
    assert incidents.reopen_asked == [(group_hash(group), NOW_S - RESOLVE_HOLD_S)]
    assert incidents.opened == []
    assert inputs.reads == []
    assert receipt.snapshot is None


def test_a_group_with_nothing_held_to_reopen_opens_an_incident() -> None:
    incidents = FakeIncidents()

    receipt = receive_alerts(_desk(incidents, FakeInputs()), parse_webhook(_group("frontend")))

    assert len(incidents.reopen_asked) == 1
    assert receipt.recorded.outcome is Outcome.OPENED


def test_a_repeat_of_an_open_incidents_group_records_its_alerts_and_ranks_nothing() -> None:
    group = parse_webhook(_group("frontend"))
    incidents = FakeIncidents(open=replace(_incident(3), key=incident_key(group)))
    inputs = FakeInputs()

    receipt = receive_alerts(_desk(incidents, inputs), group)

    assert receipt.recorded.outcome is Outcome.UPDATED
    [(opening, _, _)] = incidents.opened
    assert (opening.symptom, opening.pages, opening.notices) == (None, (), ())
    assert inputs.reads == []
    assert receipt.snapshot is None


def test_without_a_notifier_posts_are_dry_runs_and_alerts_without_labels_say_so() -> None:
    incidents, inputs = FakeIncidents(), FakeInputs()

    receive_alerts(_desk(incidents, inputs, notify=False), parse_webhook(_group(None)))

    [(opening, _, posts)] = incidents.opened
    assert posts == SendState.DRY_RUN.value
    assert opening.symptom is None
    assert opening.note == "nobody paged: the alerts name no service"
    assert "none of the labels service" in str(opening.notices[0].body["evidence_note"])


def test_a_service_off_the_map_opens_an_incident_that_says_so() -> None:
    incidents, inputs = FakeIncidents(), FakeInputs()

    receipt = receive_alerts(_desk(incidents, inputs), parse_webhook(_group("ledger")))

    [(opening, _, _)] = incidents.opened
    assert (opening.symptom, opening.cause) == ("ledger", None)
    assert opening.pages == ()
    assert opening.notices[0].body["evidence_note"] == "ledger is not on the map"
    assert receipt.snapshot is None


def test_the_alerted_service_is_named_and_stored_as_redaction_names_it() -> None:
    incidents, inputs = FakeIncidents(), FakeInputs()
    redaction = redaction_of('{"[0-9]{4,}": "{n}"}', defaults=False)

    receive_alerts(
        _desk(incidents, inputs, redaction=redaction), parse_webhook(_group("cart-90210"))
    )

    [(opening, alerts, _)] = incidents.opened
    assert opening.symptom == "cart-{n}"
    assert [a.service for a in alerts] == ["cart-{n}"]
    assert "90210" not in repr((opening, alerts))


def test_an_opening_snapshot_is_saved_cut_to_its_neighbourhood() -> None:
    incidents, inputs = FakeIncidents(), FakeInputs()

    save_evidence(_desk(incidents, inputs), Receipt(Recorded(Outcome.OPENED, 9, "INC-9"), SNAPSHOT))

    assert inputs.cut == [SNAPSHOT]
    assert [(i, cause) for i, _, cause in incidents.saved] == [(9, None)]


def test_a_joined_incident_refreshes_the_evidence_of_the_one_it_joined_when_due() -> None:
    incidents = FakeIncidents(records={1: _incident(1), 2: _incident(2, merged_into=1)})
    inputs = FakeInputs()

    assert refresh_joined(_desk(incidents, inputs), 2) is True
    assert [(i, cause) for i, _, cause in incidents.saved] == [(1, "redis")]
    assert inputs.reads[0] == f"frontend since {NOW_S - 600}"  # on the opening's windows
    assert incidents.sure_pages == []  # sure of redis, but the ranking before named none

    incidents.due = False
    assert refresh_joined(_desk(incidents, inputs), 2) is False
    assert refresh_joined(_desk(incidents, inputs), 1) is False  # joined to none
    assert len(incidents.saved) == 1


def test_a_ranking_sure_twice_running_of_a_cause_pages_its_owners_once_refreshed() -> None:
    first = replace(_incident(1), cause="redis")
    incidents = FakeIncidents(records={1: first, 2: _incident(2, merged_into=1)})

    assert refresh_joined(_desk(incidents, FakeInputs()), 2) is True

    [(paged_in, page, paged_first, posts)] = incidents.sure_pages
    assert (paged_in, page.team, page.service, paged_first) == (1, "storage", "redis", None)
    assert posts == SendState.PENDING.value
