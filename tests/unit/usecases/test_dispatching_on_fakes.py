"""Sending recorded pages and posts, on an incident log, a pager and a notifier held in memory.

The sweep takes the incident log's outboxes (`Outboxes`), the pager, the notifier, the
catalog's teams, the picture and the clock (`DispatchDesk`) as arguments; here each is
held in memory. The store's side, crashes and Slack's are held by
`tests/integration/alerts/` and `tests/integration/slack/test_incident_posts.py`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

import pytest

from bot.adapters.paging.ports import Notice, Posted
from bot.adapters.store.incident_rows import IncidentRecord, Sending
from bot.adapters.store.ports import Outboxes
from bot.usecases.deliveries import Deliveries
from bot.usecases.dispatching import (
    GIVE_UP_S,
    RETRY_BASE_S,
    ROUNDS,
    SKEW_S,
    DispatchDesk,
    dispatch_due,
)
from tests.unit.usecases.records import incident
from topology.errors import NoticeError, PagingError
from topology.incidents.model import Outbox, PageAction, PageEvent, SendState
from topology.ownership import Team
from topology.picture import Picture
from topology.picture.select import Omitted

NOW_S = 1_700_000_000
PENDING, SENT, FAILED = SendState.PENDING.value, SendState.SENT.value, SendState.FAILED.value
TEAMS = {
    "payments": Team("payments", "#payments", pagerduty_routing_key="R" * 32),
    "no-key": Team("no-key", "#nokey"),
}
POST_URL = "https://example.slack.com/archives/C1/p1"


def _page(row_id: int = 1, *, team: str = "payments", **fields: object) -> Sending:
    row = Sending(
        id=row_id,
        incident_id=7,
        kind=PageAction.TRIGGER.value,
        target="payment",
        team=team,
        state=PENDING,
        attempts=0,
        created_at=NOW_S,
        sent_at=None,
        last_error=None,
        body={"summary": "payment is failing", "severity": "critical"},
        dedup_key="svcmap-INC-7-payments",
    )
    return replace(row, **fields)  # type: ignore[arg-type]


def _post(row_id: int = 2, **fields: object) -> Sending:
    row = Sending(
        id=row_id,
        incident_id=7,
        kind="incident",
        target="#incidents",
        team=None,
        state=PENDING,
        attempts=0,
        created_at=NOW_S,
        sent_at=None,
        last_error=None,
        body={"incident": "INC-7", "symptom": "checkout"},
    )
    return replace(row, **fields)  # type: ignore[arg-type]


@dataclass
class FakeOutboxes:
    """Rows by outbox and id; a row is due while pending, unclaimed and past its retry time."""

    rows: dict[Outbox, dict[int, Sending]] = field(default_factory=dict)
    finished: list[tuple[Outbox, int, str, str | None, int | None]] = field(default_factory=list)
    urls: dict[int, str] = field(default_factory=dict)
    not_before: dict[tuple[Outbox, int], int] = field(default_factory=dict)
    sent_bodies: dict[int, Mapping[str, object]] = field(default_factory=dict)
    records: dict[int, IncidentRecord] = field(default_factory=dict)

    def add(self, outbox: Outbox, row: Sending) -> None:
        self.rows.setdefault(outbox, {})[row.id] = row

    def due(self, outbox: Outbox, *, now_s: int, limit: int = 100) -> list[Sending]:
        return [
            row
            for row in self.rows.get(outbox, {}).values()
            if row.state == PENDING and self.not_before.get((outbox, row.id), 0) <= now_s
        ][:limit]

    def claim(self, outbox: Outbox, row_id: int, *, holder: str, now_s: int, ttl_s: int) -> bool:
        row = self.rows[outbox][row_id]
        if row.state != PENDING or self.not_before.get((outbox, row_id), 0) > now_s:
            return False
        self.rows[outbox][row_id] = replace(row, claimed_by=holder, attempts=row.attempts + 1)
        self.not_before[outbox, row_id] = now_s + ttl_s
        return True

    def release(self, outbox: Outbox, row_id: int, *, holder: str) -> bool:
        row = self.rows[outbox][row_id]
        if row.claimed_by != holder:
            return False
        self.not_before.pop((outbox, row_id), None)
        return True

    def finish(
        self,
        outbox: Outbox,
        row_id: int,
        *,
        holder: str,
        state: str,
        now_s: int,
        error: str | None = None,
        retry_at: int | None = None,
        url: str | None = None,
        ref: str | None = None,
        sent_body: Mapping[str, object] | None = None,
    ) -> None:
        row = self.rows[outbox][row_id]
        assert row.claimed_by == holder
        done = state != PENDING
        self.rows[outbox][row_id] = replace(
            row,
            state=state,
            last_error=error,
            url=url,
            ref=ref,
            sent_at=now_s if done else None,
            claimed_by=None,
        )
        self.not_before[outbox, row_id] = retry_at or 0
        if sent_body is not None:
            self.sent_bodies[row_id] = sent_body
        self.finished.append((outbox, row_id, state, error, retry_at))

    def post_url(self, incident_id: int) -> str | None:
        return self.urls.get(incident_id)

    def alerting_services(self, incident_id: int) -> list[str]:
        return ["checkout"] if incident_id in self.urls else []

    def incident(self, incident_id: int) -> IncidentRecord | None:
        return self.records.get(incident_id)

    def post_of(self, incident_id: int) -> Sending | None:
        rows = self.rows.get(Outbox.POSTS, {}).values()
        return next(
            (r for r in rows if r.incident_id == incident_id and r.kind == "incident"), None
        )


@dataclass
class FakePager:
    """Takes events, or raises `errors` one after another first."""

    errors: list[PagingError] = field(default_factory=list)
    sent: list[PageEvent] = field(default_factory=list)

    def send(self, event: PageEvent) -> str:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append(event)
        return "accepted"


@dataclass
class FakeNotifier:
    """Posts notices; finds those in `found` by their row."""

    found: dict[int, Posted] = field(default_factory=dict)
    posted: list[Notice] = field(default_factory=list)
    looked: list[tuple[int, int]] = field(default_factory=list)

    def post(self, notice: Notice) -> Posted:
        self.posted.append(notice)
        return Posted(f"C1/{len(self.posted)}", POST_URL)

    def find(self, notice: Notice, *, since_s: int) -> Posted | None:
        self.looked.append((notice.incident_id, since_s))
        if not self.found:
            raise NoticeError("missing_scope", retryable=False)
        return next(iter(self.found.values()))


def _no_picture(
    incident: IncidentRecord, causes: Sequence[str], alerting: Collection[str]
) -> Picture | None:
    return None


def _desk(
    outboxes: FakeOutboxes,
    *,
    pager: FakePager | None = None,
    notifier: FakeNotifier | None = None,
    now_s: int = NOW_S,
) -> DispatchDesk:
    return DispatchDesk(
        outboxes=outboxes,
        pager=pager,
        notifier=notifier,
        teams=TEAMS,
        picture=_no_picture,
        clock=lambda: now_s,
    )


def _no_sleep(_: float) -> None:
    return None


def _sweep(desk: DispatchDesk) -> tuple[list[int], list[int], list[int]]:
    done = dispatch_due(
        desk, holder="h:1", deliveries=Deliveries(), posts=Deliveries(kind="post"), sleep=_no_sleep
    )
    return done.sent, done.failed, done.retrying


def test_the_fake_is_the_port_the_sweep_writes() -> None:
    port: Outboxes = FakeOutboxes()
    assert port.due(Outbox.PAGES, now_s=NOW_S) == []


def test_a_page_goes_to_its_teams_routing_key_and_links_the_post_sent_before() -> None:
    outboxes, pager = FakeOutboxes(urls={7: POST_URL}), FakePager()
    outboxes.add(Outbox.PAGES, _page())

    assert _sweep(_desk(outboxes, pager=pager)) == ([1], [], [])

    [event] = pager.sent
    assert (event.routing_key, event.dedup_key) == ("R" * 32, "svcmap-INC-7-payments")
    assert event.links[0].href == POST_URL
    assert outboxes.rows[Outbox.PAGES][1].state == SENT


def test_a_page_for_a_team_without_a_routing_key_fails_and_says_why() -> None:
    outboxes, pager = FakeOutboxes(), FakePager()
    outboxes.add(Outbox.PAGES, _page(team="no-key"))

    assert _sweep(_desk(outboxes, pager=pager)) == ([], [1], [])
    assert pager.sent == []
    assert "no PagerDuty routing key" in (outboxes.rows[Outbox.PAGES][1].last_error or "")


def test_a_passing_failure_is_tried_again_later_and_a_lasting_one_is_not() -> None:
    outboxes = FakeOutboxes()
    outboxes.add(Outbox.PAGES, _page(1))
    outboxes.add(Outbox.PAGES, _page(2, attempts=ROUNDS - 1))
    pager = FakePager([PagingError("503", retryable=True), PagingError("503", retryable=True)])

    assert _sweep(_desk(outboxes, pager=pager)) == ([], [2], [1])
    retried = [f for f in outboxes.finished if f[1] == 1]
    assert retried == [(Outbox.PAGES, 1, PENDING, "503", NOW_S + RETRY_BASE_S)]


def test_a_page_nobody_can_send_waits_until_it_is_too_old_to_be_worth_sending() -> None:
    outboxes = FakeOutboxes()
    outboxes.add(Outbox.PAGES, _page())

    assert _sweep(_desk(outboxes, now_s=NOW_S + GIVE_UP_S - 1)) == ([], [], [])
    assert outboxes.rows[Outbox.PAGES][1].state == PENDING
    assert _sweep(_desk(outboxes, now_s=NOW_S + GIVE_UP_S)) == ([], [1], [])
    assert "paging mode is not on" in (outboxes.rows[Outbox.PAGES][1].last_error or "")


@pytest.mark.parametrize(("found", "posts"), [(True, 0), (False, 1)])
def test_a_post_tried_before_is_looked_for_first_and_posted_only_when_not_found(
    found: bool, posts: int
) -> None:
    outboxes = FakeOutboxes()
    outboxes.add(Outbox.POSTS, _post(attempts=1))
    notifier = FakeNotifier({2: Posted("C1/9", POST_URL)} if found else {})

    assert _sweep(_desk(outboxes, notifier=notifier)) == ([2], [], [])
    assert notifier.looked == [(7, NOW_S - SKEW_S)]
    assert len(notifier.posted) == posts
    assert outboxes.rows[Outbox.POSTS][2].url == POST_URL
    assert (2 in outboxes.sent_bodies) is not found  # a post sent records what it said


def test_pages_are_sent_before_posts() -> None:
    outboxes, pager, notifier = FakeOutboxes(), FakePager(), FakeNotifier()
    outboxes.add(Outbox.POSTS, _post())
    outboxes.add(Outbox.PAGES, _page())

    _sweep(_desk(outboxes, pager=pager, notifier=notifier))

    order = [(outbox, row_id) for outbox, row_id, *_ in outboxes.finished]
    assert order == [(Outbox.PAGES, 1), (Outbox.POSTS, 2)]
    assert [n.channel for n in notifier.posted] == ["#incidents"]


def test_the_incident_post_carries_the_picture_of_its_causes_and_alerting_services() -> None:
    outboxes, notifier = FakeOutboxes(urls={7: POST_URL}), FakeNotifier()
    outboxes.records[7] = incident(7, cause="payment", opened_at=NOW_S)
    candidates = [
        {"service": "payment", "score": 9.1, "evidence": "ERROR logs 0 → 37/min"},
        {"service": "ledger", "score": 4.2, "evidence": "p95 latency 2x baseline"},
    ]
    outboxes.add(Outbox.POSTS, _post(body={"incident": "INC-7", "candidates": candidates}))
    drawn: list[tuple[str, list[str], list[str]]] = []
    picture = Picture("digraph {}", "dot", omitted=Omitted(), nodes=0, edges=0)

    def draw(
        incident: IncidentRecord, causes: Sequence[str], alerting: Collection[str]
    ) -> Picture | None:
        drawn.append((incident.key, list(causes), list(alerting)))
        return picture

    desk = replace(_desk(outboxes, notifier=notifier), picture=draw)
    _sweep(desk)

    assert drawn == [("INC-7", ["payment", "ledger"], ["checkout"])]
    assert [n.picture for n in notifier.posted] == [picture]
