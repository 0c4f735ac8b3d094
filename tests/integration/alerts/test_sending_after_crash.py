"""A sender that died with a page half done: the next process finishes it from the journal.

The database fails right after PagerDuty answered 202 (the page is accepted, not
recorded), or PagerDuty never answers (the send was cut off); the process then "dies":
its journal is closed, its claims stay, and a new sender under another name starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.adapters.paging.journal import Journal
from bot.bootstrap import dispatch_desk
from bot.usecases.deliveries import Deliveries
from bot.usecases.dispatching import CLAIM_TTL_S, dispatch_due
from tests.fake_pagerduty import Reply
from tests.integration.alerts.test_sending_outcomes import (
    Breaker,
    ThenBreak,
    actions,
    no_sleep,
    states,
)
from topology.errors import StoreError
from topology.incidents.model import Outbox, PageEvent


@pytest.fixture
def journals(tmp_path: Path) -> Iterator[list[Deliveries]]:
    opened: list[Deliveries] = []
    yield opened
    for deliveries in opened:
        deliveries.close()


def start_sender(tmp_path: Path, journals: list[Deliveries], holder: str) -> Deliveries:
    journals.append(Deliveries(Journal(tmp_path / "journals", holder)))
    return journals[-1]


class CutOff:
    """A pager whose first send reaches PagerDuty, then the process dies before the answer."""

    def __init__(self, pager) -> None:
        self.pager = pager
        self.cut = False

    def send(self, event: PageEvent) -> str:
        if not self.cut:
            self.cut = True
            self.pager.send(event)  # PagerDuty has it ...
            raise SystemExit  # ... and the process is gone before it reads the answer
        return self.pager.send(event)


def test_an_accepted_page_a_dead_sender_could_not_record_is_recorded_by_the_next_not_sent_again(
    fired_and_resolved, pagerduty, tmp_path, journals
):
    app = fired_and_resolved
    breaker = Breaker(app.engine)
    dead = start_sender(tmp_path, journals, "host:1")
    broken = replace(dispatch_desk(app), pager=ThenBreak(app.pager, breaker, failures=10**9))
    with pytest.raises(StoreError):
        dispatch_due(broken, holder="host:1", deliveries=dead, sleep=no_sleep)
    dead.close()  # the process dies: only its journal knows PagerDuty took the trigger
    breaker.mend()

    fresh = start_sender(tmp_path, journals, "host:2")
    report = dispatch_due(dispatch_desk(app), holder="host:2", deliveries=fresh, sleep=no_sleep)

    assert [action for action, _ in actions(pagerduty)] == ["trigger", "resolve"]
    assert states(app) == [("resolve", "sent"), ("trigger", "sent")]
    assert len(report.sent) == 2  # the resolve did not wait for the dead claim to lapse
    assert fresh.pending() == []
    assert fresh.cut_off() == []


def crash_mid_send(app, tmp_path, journals):
    """host:1's sender dies while PagerDuty holds its trigger: only its journal knows."""
    dead = start_sender(tmp_path, journals, "host:1")
    with pytest.raises(SystemExit):
        dispatch_due(
            replace(dispatch_desk(app), pager=CutOff(app.pager)),
            holder="host:1",
            deliveries=dead,
            sleep=no_sleep,
        )
    dead.close()


def test_a_send_cut_off_by_a_crash_is_sent_again_at_once_with_its_dedup_key(
    fired_and_resolved, pagerduty, tmp_path, journals
):
    app = fired_and_resolved
    crash_mid_send(app, tmp_path, journals)

    fresh = start_sender(tmp_path, journals, "host:2")
    dispatch_due(
        dispatch_desk(app), holder="host:2", deliveries=fresh, sleep=no_sleep
    )  # the clock stood still

    sent = actions(pagerduty)
    assert [action for action, _ in sent] == ["trigger", "trigger", "resolve"]
    assert len({key for _, key in sent}) == 1  # PagerDuty folds the repeat into one alert
    assert states(app) == [("resolve", "sent"), ("trigger", "sent")]


def test_without_a_journal_a_cut_off_send_waits_for_its_claim_to_lapse(
    fired_and_resolved, pagerduty, clock
):
    app = fired_and_resolved
    with pytest.raises(SystemExit):
        dispatch_due(
            replace(dispatch_desk(app), pager=CutOff(app.pager)), holder="host:1", sleep=no_sleep
        )

    dispatch_due(dispatch_desk(app), holder="host:2", sleep=no_sleep)
    assert [action for action, _ in actions(pagerduty)] == ["trigger"]
    clock.now += CLAIM_TTL_S + 1
    dispatch_due(dispatch_desk(app), holder="host:2", sleep=no_sleep)
    assert [action for action, _ in actions(pagerduty)] == ["trigger", "trigger", "resolve"]


def test_a_cut_off_send_another_sender_took_meanwhile_is_left_to_it(
    fired_and_resolved, pagerduty, tmp_path, journals, clock
):
    app = fired_and_resolved
    crash_mid_send(app, tmp_path, journals)
    clock.now += CLAIM_TTL_S + 1  # a replica took the lapsed claim, and is sending now
    (trigger,) = app.incidents.due(Outbox.PAGES, now_s=app.now())
    assert app.incidents.claim(
        Outbox.PAGES, trigger.id, holder="replica:9", now_s=app.now(), ttl_s=CLAIM_TTL_S
    )

    fresh = start_sender(tmp_path, journals, "host:2")
    dispatch_due(dispatch_desk(app), holder="host:2", deliveries=fresh, sleep=no_sleep)

    assert [action for action, _ in actions(pagerduty)] == ["trigger"]  # only the first
    assert fresh.cut_off() == []


def test_a_store_down_at_start_frees_nothing_and_sends_nothing_until_it_is_back(
    fired_and_resolved, pagerduty, tmp_path, journals
):
    app = fired_and_resolved
    crash_mid_send(app, tmp_path, journals)
    breaker = Breaker(app.engine)
    breaker.fail()

    fresh = start_sender(tmp_path, journals, "host:2")
    with pytest.raises(StoreError):
        dispatch_due(dispatch_desk(app), holder="host:2", deliveries=fresh, sleep=no_sleep)
    assert len(fresh.cut_off()) == 1
    breaker.mend()
    dispatch_due(dispatch_desk(app), holder="host:2", deliveries=fresh, sleep=no_sleep)

    assert [action for action, _ in actions(pagerduty)] == ["trigger", "trigger", "resolve"]


def test_a_page_refused_for_good_is_done_in_the_journal(
    fired_and_resolved, pagerduty, tmp_path, journals
):
    app = fired_and_resolved
    pagerduty.reply(Reply(400, b'{"status": "invalid event"}'))
    deliveries = start_sender(tmp_path, journals, "host:1")
    dispatch_due(dispatch_desk(app), holder="host:1", deliveries=deliveries, sleep=no_sleep)

    assert states(app) == [("resolve", "sent"), ("trigger", "failed")]
    assert deliveries.pending() == []
    assert deliveries.cut_off() == []
    assert (tmp_path / "journals" / "host_1.jsonl").read_bytes() == b""
