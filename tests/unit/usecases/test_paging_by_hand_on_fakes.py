"""Paging owners by hand from Slack, on an in-memory incident log.

The use case takes the incident log as a port, with the catalog, the paging mode and the
time; here the log is a fake. Recording a page once per key in the store, and the
dispatcher sending it, are held by `tests/integration/slack/test_incident_posts.py`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import pytest

from bot.adapters.store.incident_rows import IncidentRecord, Opening, PageRow
from bot.adapters.store.ports import ManualPages
from bot.usecases.paging_by_hand import (
    SUMMARY_CHARS,
    PagingDesk,
    page_for_answer,
    page_for_incident,
)
from topology.incidents.keys import dedup_key
from topology.incidents.model import PagingMode, SendState
from topology.ownership import Catalog, Team

NOW_S = 1_700_000_000
CATALOG = Catalog(
    owners={"checkout": "shop", "payments": "money", "search": "finders"},
    teams={
        "shop": Team("shop", pagerduty_routing_key="R-shop"),
        "money": Team("money", pagerduty_routing_key="R-money"),
        "finders": Team("finders"),  # no routing key: cannot be paged
    },
)


def _incident(incident_id: int, **changes: object) -> IncidentRecord:
    fields: dict[str, object] = {
        "id": incident_id,
        "key": f"INC-{incident_id}",
        "status": "open",
        "symptom": "checkout",
        "cause": "payments",
        "severity": "critical",
        "title": "checkout is failing",
        "opened_at": NOW_S - 600,
        "resolved_at": None,
        "merged_into": None,
        "paged_team": None,
        "note": None,
        "receiver": "alertmanager",
    }
    fields.update(changes)
    return IncidentRecord(**fields)  # type: ignore[arg-type]


@dataclass
class FakeLog:
    """Incidents in memory; pages recorded once per (incident, dedup key)."""

    incidents: dict[int, IncidentRecord] = field(default_factory=dict)
    pages: dict[tuple[int, str], PageRow] = field(default_factory=dict)
    opened: dict[str, IncidentRecord] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))

    def incident(self, incident_id: int) -> IncidentRecord | None:
        return self.incidents.get(incident_id)

    def open_manual(self, opening: Opening, *, now_s: int) -> IncidentRecord:
        if opening.key not in self.opened:
            record = _incident(
                next(self.ids),
                key=opening.key,
                symptom=opening.symptom,
                cause=opening.cause,
                title=opening.title,
                opened_at=now_s,
                receiver=opening.receiver,
            )
            self.opened[opening.key] = self.incidents[record.id] = record
        return self.opened[opening.key]

    def record_page(self, incident_id: int, page: PageRow, *, now_s: int) -> bool:
        assert now_s == NOW_S
        key = (incident_id, page.dedup_key)
        if key in self.pages:
            return False
        self.pages[key] = page
        return True


def _desk(log: FakeLog, mode: PagingMode = PagingMode.ON) -> PagingDesk:
    port: ManualPages = log
    return PagingDesk(port, CATALOG, mode, NOW_S)


def test_the_owners_of_the_incident_cause_are_paged_once() -> None:
    log = FakeLog({1: _incident(1)})

    first = page_for_incident(_desk(log), 1, "payments", by="Ada")
    again = page_for_incident(_desk(log), 1, "payments", by="Bob")

    assert first.to_send
    assert first.text == "paging money about payments"
    assert not again.to_send
    assert again.text == "money was already paged about payments for this incident"
    ((incident_id, key), page), *_ = log.pages.items()
    assert (incident_id, key, len(log.pages)) == (1, dedup_key("INC-1", "payments"), 1)
    assert (page.action, page.team, page.state) == ("trigger", "money", SendState.PENDING.value)
    assert page.body["summary"] == "checkout is failing (paged from Slack by Ada)"
    assert page.body["details"] == {
        "paged_from": "slack",
        "incident": "INC-1",
        "paged_from_slack_by": "Ada",
    }


def test_a_merged_incident_pages_for_the_one_it_joined() -> None:
    log = FakeLog({1: _incident(1), 2: _incident(2, merged_into=1, cause="search")})

    paged = page_for_incident(_desk(log), 2, "payments", by=None)

    assert paged.to_send
    assert list(log.pages) == [(1, dedup_key("INC-1", "payments"))]
    (page,) = log.pages.values()
    assert "paged_from_slack_by" not in page.body["details"]  # type: ignore[operator]


@pytest.mark.parametrize(
    ("incident", "service", "said"),
    [
        (None, "payments", "not in svcmap's incident log"),
        (_incident(1), "inventory", "only the owners of the incident's services"),
        (_incident(1, resolved_at=NOW_S - 60), "payments", "incident INC-1 is resolved"),
        (_incident(1, cause="search"), "search", "no owner of search has a PagerDuty routing key"),
    ],
)
def test_pages_that_cannot_be_sent_are_not_recorded(
    incident: IncidentRecord | None, service: str, said: str
) -> None:
    log = FakeLog({1: incident} if incident is not None else {})

    paged = page_for_incident(_desk(log), 1, service, by="Ada")

    assert not paged.to_send
    assert said in paged.text
    assert log.pages == {}


def test_the_paging_mode_is_honoured() -> None:
    off, dry = FakeLog({1: _incident(1)}), FakeLog({1: _incident(1)})

    nobody = page_for_incident(_desk(off, PagingMode.OFF), 1, "payments", by=None)
    rehearsed = page_for_incident(_desk(dry, PagingMode.DRY_RUN), 1, "payments", by=None)

    assert not nobody.to_send
    assert "paging is off" in nobody.text
    assert off.pages == {}
    assert not rehearsed.to_send
    assert rehearsed.text == "dry-run: would page money about payments (paging mode)"
    assert [page.state for page in dry.pages.values()] == [SendState.DRY_RUN.value]


def test_paging_from_an_answer_opens_one_incident_per_message() -> None:
    log = FakeLog()

    first = page_for_answer(_desk(log), "payments", by="Ada", channel="C1", message="1.0")
    again = page_for_answer(_desk(log), "payments", by="Ada", channel="C1", message="1.0")
    other = page_for_answer(_desk(log), "payments", by="Ada", channel="C1", message="2.0")

    assert first.to_send
    assert not again.to_send
    assert other.to_send
    assert len(log.opened) == 2
    (opened, *_) = log.opened.values()
    assert (opened.symptom, opened.cause, opened.receiver) == ("payments", "payments", "slack")


def test_paging_from_an_answer_opens_nothing_when_nobody_can_be_paged() -> None:
    log = FakeLog()

    off = page_for_answer(
        _desk(log, PagingMode.OFF), "payments", by=None, channel="C1", message="1.0"
    )
    unroutable = page_for_answer(_desk(log), "search", by=None, channel="C1", message="1.0")

    assert "paging is off" in off.text
    assert "no owner of search" in unroutable.text
    assert log.opened == {}


def test_a_long_title_is_cut_in_the_summary() -> None:
    log = FakeLog({1: _incident(1, title="x" * 5_000)})

    page_for_incident(_desk(log), 1, "payments", by=None)

    (page,) = log.pages.values()
    assert len(str(page.body["summary"])) == SUMMARY_CHARS
