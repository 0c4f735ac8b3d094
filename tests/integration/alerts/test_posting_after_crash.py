"""A post half done when its sender died, or whose answer was lost, is posted once.

Slack has no idempotency key for `chat.postMessage`: a post tried before is looked for in
its channel (`Notifier.find`, by the key its message carries) before it is posted again,
and one Slack accepted that the store did not record is recorded from the journal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from bot.adapters.paging.journal import Journal
from bot.adapters.paging.ports import Notice, Posted
from bot.bootstrap import alert_desk, dispatch_desk
from bot.usecases.alerting import receive_alerts
from bot.usecases.deliveries import Deliveries
from bot.usecases.dispatching import CLAIM_TTL_S, dispatch_due
from tests.integration.alerts.conftest import FakeNotifier
from tests.integration.alerts.test_sending_outcomes import Breaker, no_sleep
from topology.errors import NoticeError, StoreError
from topology.incidents.model import Outbox
from topology.incidents.webhook import parse_webhook


@pytest.fixture
def journals() -> Iterator[list[Deliveries]]:
    opened: list[Deliveries] = []
    yield opened
    for deliveries in opened:
        deliveries.close()


def start_sender(tmp_path: Path, journals: list[Deliveries], holder: str) -> Deliveries:
    journals.append(Deliveries(Journal(tmp_path / "posts", holder), kind="post"))
    return journals[-1]


@pytest.fixture
def fired(make_app, firing_body):
    """An app with a fake notifier whose incident fired, its posts still to send."""
    app = make_app(notifier=FakeNotifier())
    receive_alerts(alert_desk(app), parse_webhook(firing_body))
    return app


def incident_post(app):
    [row] = [r for r in app.incidents.sendings(Outbox.POSTS) if r.kind == "incident"]
    return row


def posted_incidents(notifier: FakeNotifier) -> list[Notice]:
    return [n for n in notifier.posted if n.kind == "incident"]


@dataclass
class DiesAfterPosting:
    """A notifier whose first incident post reaches Slack, then the process dies."""

    notifier: FakeNotifier
    before_slack: bool = False

    def post(self, notice: Notice) -> Posted:
        if notice.kind == "incident":
            if not self.before_slack:
                self.notifier.post(notice)  # Slack has it ...
            raise SystemExit  # ... and the process is gone before it reads the answer
        return self.notifier.post(notice)

    def find(self, notice: Notice, *, since_s: int) -> Posted | None:
        return self.notifier.find(notice, since_s=since_s)


@dataclass
class ThenBreak:
    """A notifier that, once Slack took the incident post, breaks the database."""

    notifier: FakeNotifier
    breaker: Breaker

    def post(self, notice: Notice) -> Posted:
        posted = self.notifier.post(notice)
        if notice.kind == "incident":
            self.breaker.fail()
        return posted

    def find(self, notice: Notice, *, since_s: int) -> Posted | None:
        return self.notifier.find(notice, since_s=since_s)


@dataclass
class CannotLook:
    """A notifier that posts, but cannot read the channel (`error`)."""

    notifier: FakeNotifier
    error: NoticeError

    def post(self, notice: Notice) -> Posted:
        return self.notifier.post(notice)

    def find(self, notice: Notice, *, since_s: int) -> Posted | None:  # noqa: ARG002 - the port's
        raise self.error


def die_mid_post(app, tmp_path, journals, *, before_slack=False):
    """host:1's sender dies while posting the incident post: only its journal knows."""
    dead = start_sender(tmp_path, journals, "host:1")
    notifier = DiesAfterPosting(app.notifier, before_slack=before_slack)
    dying = replace(dispatch_desk(app), notifier=notifier)
    with pytest.raises(SystemExit):
        dispatch_due(dying, holder="host:1", posts=dead, sleep=no_sleep)
    dead.close()


def test_a_post_that_reached_slack_before_its_sender_died_is_found_and_recorded_not_posted_again(
    fired, tmp_path, journals
):
    app, notifier = fired, fired.notifier
    die_mid_post(app, tmp_path, journals)
    [first] = posted_incidents(notifier)

    fresh = start_sender(tmp_path, journals, "host:2")
    dispatch_due(
        dispatch_desk(app), holder="host:2", posts=fresh, sleep=no_sleep
    )  # the clock stood still

    assert posted_incidents(notifier) == [first]
    assert [n.key for n in notifier.looked_for] == [first.key]
    row = incident_post(app)
    assert (row.state, row.ref) == ("sent", notifier.places[first.key].ref)
    assert fresh.cut_off() == []


def test_a_post_cut_off_before_it_reached_slack_is_posted_at_once_by_the_next_sender(
    fired, tmp_path, journals
):
    app, notifier = fired, fired.notifier
    die_mid_post(app, tmp_path, journals, before_slack=True)
    assert posted_incidents(notifier) == []

    fresh = start_sender(tmp_path, journals, "host:2")
    dispatch_due(dispatch_desk(app), holder="host:2", posts=fresh, sleep=no_sleep)

    [posted] = posted_incidents(notifier)
    assert [n.key for n in notifier.looked_for] == [posted.key]
    assert incident_post(app).state == "sent"


def test_a_post_slack_accepted_that_the_store_refused_is_recorded_by_the_next_sender(
    fired, tmp_path, journals
):
    app, notifier = fired, fired.notifier
    breaker = Breaker(app.engine)
    dead = start_sender(tmp_path, journals, "host:1")
    with pytest.raises(StoreError):
        dispatch_due(
            replace(dispatch_desk(app), notifier=ThenBreak(notifier, breaker)),
            holder="host:1", posts=dead, sleep=no_sleep,
        )  # fmt: skip
    dead.close()  # the process dies: only its journal knows where Slack put the post
    breaker.mend()
    [first] = posted_incidents(notifier)

    fresh = start_sender(tmp_path, journals, "host:2")
    dispatch_due(dispatch_desk(app), holder="host:2", posts=fresh, sleep=no_sleep)

    assert posted_incidents(notifier) == [first]
    assert notifier.looked_for == []  # the journal said where it is: Slack was not asked
    row = incident_post(app)
    place = notifier.places[first.key]
    assert (row.state, row.ref, row.url) == ("sent", place.ref, place.url)
    assert fresh.pending() == []


def test_without_a_journal_a_post_whose_claim_lapsed_is_looked_for_before_it_is_posted(
    fired, clock
):
    app, notifier = fired, fired.notifier
    dying = replace(dispatch_desk(app), notifier=DiesAfterPosting(notifier))
    with pytest.raises(SystemExit):
        dispatch_due(dying, holder="host:1", sleep=no_sleep)

    dispatch_due(dispatch_desk(app), holder="replica:2", sleep=no_sleep)
    assert incident_post(app).state == "pending"  # still held by the dead sender's claim
    clock.now += CLAIM_TTL_S + 1
    dispatch_due(dispatch_desk(app), holder="replica:2", sleep=no_sleep)

    assert len(posted_incidents(notifier)) == 1
    assert incident_post(app).state == "sent"


def test_a_post_sent_the_first_time_is_not_looked_for(fired):
    app, notifier = fired, fired.notifier

    dispatch_due(dispatch_desk(app), holder="host:1", sleep=no_sleep)

    assert len(posted_incidents(notifier)) == 1
    assert notifier.looked_for == []
    assert all(n.key for n in notifier.posted)
    assert len({n.key for n in notifier.posted}) == len(notifier.posted)


def test_a_post_whose_channel_cannot_be_read_for_now_waits_and_is_not_posted_blindly(fired, clock):
    app, notifier = fired, fired.notifier
    with pytest.raises(SystemExit):
        dispatch_due(
            replace(dispatch_desk(app), notifier=DiesAfterPosting(notifier)),
            holder="h:1",
            sleep=no_sleep,
        )
    clock.now += CLAIM_TTL_S + 1
    busy = NoticeError("Slack conversations.history failed: ratelimited", retryable=True)

    dispatch_due(
        replace(dispatch_desk(app), notifier=CannotLook(notifier, busy)),
        holder="h:2",
        sleep=no_sleep,
    )

    assert len(posted_incidents(notifier)) == 1
    row = incident_post(app)
    assert (row.state, row.last_error) == ("pending", str(busy))


def test_a_post_whose_channel_can_never_be_read_is_posted_again_rather_than_lost(
    fired, clock, caplog
):
    app, notifier = fired, fired.notifier
    with pytest.raises(SystemExit):
        dispatch_due(
            replace(dispatch_desk(app), notifier=DiesAfterPosting(notifier)),
            holder="h:1",
            sleep=no_sleep,
        )
    clock.now += CLAIM_TTL_S + 1
    no_scope = NoticeError("Slack conversations.history failed: missing_scope", retryable=False)

    dispatch_due(
        replace(dispatch_desk(app), notifier=CannotLook(notifier, no_scope)),
        holder="h:2",
        sleep=no_sleep,
    )

    assert len(posted_incidents(notifier)) == 2
    assert incident_post(app).state == "sent"
    assert "posting it, maybe twice" in caplog.text
