"""Recorded before sent: restarts, replicas and a failing PagerDuty never page twice or lose one."""

import json
import threading
import time

import httpx
import pytest

from bot.adapters.paging.pagerduty import PagerDutyPager
from bot.adapters.paging.ratelimit import RateLimiter
from bot.adapters.store.incident_rows import PageRow
from bot.bootstrap import alert_desk, dispatch_desk
from bot.usecases.alerting import receive_alerts
from bot.usecases.dispatching import CLAIM_TTL_S, ROUNDS, dispatch_due
from tests.fake_pagerduty import Reply
from tests.integration.alerts.conftest import FakeNotifier
from topology.errors import PagingError
from topology.incidents.model import RESOLVE_HOLD_S, Outbox, PageAction, PageEvent
from topology.incidents.webhook import parse_webhook

THROTTLED = Reply(
    429,
    b'{"status":"throttle exceeded","message":"Requests for this service are arriving too quickly.'
    b'  Please retry later.","errors":["Enhance Your Calm."]}',
    {"Retry-After": "2"},
)
UNAVAILABLE = Reply(500, b'{"status":"Unrecognized object","errors":["JSON parse error"]}')
INVALID = Reply(
    400,
    b'{"status":"invalid event","message":"Event object is invalid","errors":'
    b"[\"Length of 'routing_key' is incorrect (should be 32 characters)\"]}",
)


def the_page(app):
    (row,) = app.incidents.sendings(Outbox.PAGES)
    return row


def test_a_crash_between_record_and_send_is_sent_by_the_next_process(
    make_app, pagerduty, firing_body
):
    crashed = make_app()
    receive_alerts(alert_desk(crashed), parse_webhook(firing_body))
    crashed.close()

    restarted = make_app()
    dispatch_due(dispatch_desk(restarted), holder="restarted")

    assert len(pagerduty.events) == 1
    assert the_page(restarted).state == "sent"


def test_a_claim_left_by_a_crash_mid_send_expires_and_the_page_is_sent_once(
    make_app, pagerduty, firing_body, clock
):
    app = make_app()
    receive_alerts(alert_desk(app), parse_webhook(firing_body))
    row = the_page(app)
    assert app.incidents.claim(
        Outbox.PAGES, row.id, holder="crashed", now_s=int(clock.now), ttl_s=CLAIM_TTL_S
    )

    dispatch_due(dispatch_desk(app), holder="other")
    assert pagerduty.events == []
    clock.now += CLAIM_TTL_S + 1
    dispatch_due(dispatch_desk(app), holder="other")
    dispatch_due(dispatch_desk(app), holder="other")

    assert len(pagerduty.events) == 1
    assert the_page(app).attempts == 2


def test_two_replicas_receiving_the_same_notification_page_once(make_app, pagerduty, firing_body):
    replicas = [make_app(), make_app()]
    group = parse_webhook(firing_body)
    barrier = threading.Barrier(2)
    outcomes = []

    def receive_and_send(app):
        barrier.wait()
        outcomes.append(receive_alerts(alert_desk(app), group).recorded.outcome.value)
        barrier.wait()
        dispatch_due(dispatch_desk(app), holder=str(id(app)))

    threads = [threading.Thread(target=receive_and_send, args=(app,)) for app in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes) == ["opened", "updated"]
    assert len(pagerduty.events) == 1
    assert len(replicas[0].incidents.incidents()) == 1


def test_a_throttled_page_is_retried_and_sent(make_app, pagerduty, firing_body):
    app = make_app()
    pagerduty.reply(THROTTLED)

    receive_alerts(alert_desk(app), parse_webhook(firing_body))
    dispatch_due(dispatch_desk(app), holder="test")

    assert len(pagerduty.events) == 2
    assert the_page(app).state == "sent"


def test_server_errors_past_the_retries_leave_the_page_for_the_next_sweep_then_send_it(
    make_app, pagerduty, firing_body, clock
):
    app = make_app()
    pagerduty.reply(UNAVAILABLE, UNAVAILABLE, UNAVAILABLE)
    receive_alerts(alert_desk(app), parse_webhook(firing_body))

    dispatch_due(dispatch_desk(app), holder="test")
    waiting = the_page(app)
    dispatch_due(dispatch_desk(app), holder="test")
    clock.now += 60
    dispatch_due(dispatch_desk(app), holder="test")

    assert (waiting.state, waiting.attempts) == ("pending", 1)
    assert "HTTP 500" in waiting.last_error
    assert len(pagerduty.events) == 4
    assert the_page(app).state == "sent"


def test_a_page_that_keeps_failing_is_shown_as_failed(make_app, pagerduty, firing_body, clock):
    app = make_app()
    pagerduty.reply(*[UNAVAILABLE] * (3 * ROUNDS))
    receive_alerts(alert_desk(app), parse_webhook(firing_body))

    for _ in range(ROUNDS):
        dispatch_due(dispatch_desk(app), holder="test")
        clock.now += 3600

    row = the_page(app)
    assert (row.state, row.attempts) == ("failed", ROUNDS)
    assert "HTTP 500" in row.last_error


def test_a_refused_event_is_not_retried_and_shown_as_failed_with_what_pagerduty_said(
    make_app, pagerduty, firing_body
):
    app = make_app()
    pagerduty.reply(INVALID)
    receive_alerts(alert_desk(app), parse_webhook(firing_body))

    dispatch_due(dispatch_desk(app), holder="test")

    assert len(pagerduty.events) == 1
    row = the_page(app)
    assert row.state == "failed"
    assert "Length of 'routing_key' is incorrect" in row.last_error


def test_a_pagerduty_that_does_not_answer_in_time_is_retried(make_app, pagerduty, firing_body):
    app = make_app(timeout_s=0.2)
    pagerduty.reply(Reply(delay_s=0.6))
    receive_alerts(alert_desk(app), parse_webhook(firing_body))

    dispatch_due(dispatch_desk(app), holder="test")

    row = the_page(app)
    assert row.state == "sent"
    assert len(pagerduty.events) == 2


def test_a_resolve_waits_for_its_trigger(make_app, pagerduty, firing_body, resolved_body, clock):
    app = make_app()
    receive_alerts(alert_desk(app), parse_webhook(firing_body))
    receive_alerts(alert_desk(app), parse_webhook(resolved_body))
    clock.now += RESOLVE_HOLD_S

    dispatch_due(dispatch_desk(app), holder="test")

    assert [e["event_action"] for e in pagerduty.events] == ["trigger", "resolve"]


@pytest.fixture
def pager(pagerduty):
    slept = []
    client = httpx.Client(base_url=pagerduty.url, timeout=0.3)
    limiter = RateLimiter(clock=lambda: 0.0, sleep=slept.append)
    yield PagerDutyPager(client, limiter=limiter, sleep=slept.append, jitter=lambda: 0.0), slept
    client.close()


EVENT = PageEvent(PageAction.TRIGGER, "K" * 32, "svcmap/abc-1/pay", summary="pay is down")


def test_the_pager_honours_retry_after_on_429(pager, pagerduty):
    send, slept = pager
    pagerduty.reply(THROTTLED)

    assert send.send(EVENT) == "svcmap/abc-1/pay"
    assert slept == [2.0]


@pytest.mark.parametrize("reply", [UNAVAILABLE, THROTTLED, Reply(delay_s=0.6)])
def test_the_pager_gives_up_after_three_tries_with_a_retryable_error(pager, pagerduty, reply):
    send, _ = pager
    pagerduty.reply(reply, reply, reply)

    with pytest.raises(PagingError) as raised:
        send.send(EVENT)

    assert raised.value.retryable
    assert len(pagerduty.events) == 3
    assert "K" * 32 not in str(raised.value)


def test_the_pager_does_not_retry_a_400(pager, pagerduty):
    send, _ = pager
    pagerduty.reply(INVALID)

    with pytest.raises(PagingError, match="HTTP 400: invalid event") as raised:
        send.send(EVENT)

    assert not raised.value.retryable
    assert len(pagerduty.events) == 1


def test_the_pager_reads_a_throttle_answer_without_a_json_body(pager, pagerduty):
    send, _ = pager
    pagerduty.reply(Reply(429, b""), Reply(429, b"slow down"))

    assert send.send(EVENT) == "svcmap/abc-1/pay"
    assert len(pagerduty.events) == 3


def test_the_pager_posts_to_the_events_endpoint_as_json(pager, pagerduty):
    send, _ = pager

    send.send(EVENT)

    (received,) = pagerduty.received
    assert received.path == "/v2/enqueue"
    assert json.dumps(received.event)  # a JSON object
    assert received.event["payload"]["summary"] == "pay is down"


def test_new_alerts_of_a_posted_incident_are_recorded_once_as_a_reply_in_its_thread(
    make_app, firing_body
):
    notifier = FakeNotifier()
    app = make_app(notifier=notifier)
    receive_alerts(alert_desk(app), parse_webhook(firing_body))
    dispatch_due(dispatch_desk(app), holder="test")
    more = json.loads(firing_body)
    more["alerts"].append({**more["alerts"][0], "fingerprint": "0123456789abcdef"})
    later = parse_webhook(json.dumps(more).encode())

    receive_alerts(alert_desk(app), later)
    receive_alerts(alert_desk(app), later)
    dispatch_due(dispatch_desk(app), holder="test")

    (reply,) = [n for n in notifier.posted if n.kind == "update"]
    (post,) = [n for n in notifier.posted if n.kind == "incident"]
    assert reply.post is not None
    assert reply.channel == post.channel
    assert reply.body["alerts"][0]["service"] == "checkout"
    assert reply.text.startswith("More alerts firing in:")


def test_an_acknowledgement_waits_for_its_trigger_and_comes_before_the_resolve(
    make_app, pagerduty, firing_body, resolved_body, clock
):
    app = make_app()
    receive_alerts(alert_desk(app), parse_webhook(firing_body))
    (incident,) = app.incidents.incidents()
    acknowledged = app.incidents.acknowledge(incident.id, user="W111", now_s=app.now())
    again = app.incidents.acknowledge(incident.id, user="W222", now_s=app.now())
    receive_alerts(alert_desk(app), parse_webhook(resolved_body))
    clock.now += RESOLVE_HOLD_S

    dispatch_due(dispatch_desk(app), holder="test")

    assert (acknowledged.pages_to_send, again.pages_to_send) == (1, 0)
    actions = [e["event_action"] for e in pagerduty.events]
    assert actions == ["trigger", "acknowledge", "resolve"]
    assert len({e["dedup_key"] for e in pagerduty.events}) == 1


def test_in_dry_run_an_acknowledgement_is_recorded_as_a_dry_run_too(
    make_app, pagerduty, firing_body
):
    app = make_app(paging_mode="dry-run")
    receive_alerts(alert_desk(app), parse_webhook(firing_body))
    (incident,) = app.incidents.incidents()

    done = app.incidents.acknowledge(incident.id, user="W111", now_s=app.now())
    dispatch_due(dispatch_desk(app), holder="test")

    assert done.pages_to_send == 0
    states = {row.kind: row.state for row in app.incidents.sendings(Outbox.PAGES)}
    assert states == {"trigger": "dry-run", "acknowledge": "dry-run"}
    assert pagerduty.events == []


@pytest.mark.parametrize(
    ("earlier", "again", "recorded"),
    [
        ("failed", "pending", True),
        ("dry-run", "pending", True),
        ("dry-run", "dry-run", False),
        ("pending", "pending", False),
        ("sent", "pending", False),
    ],
)
def test_a_page_asked_for_again_is_recorded_again_only_after_a_failure_or_a_dry_run(
    make_app, firing_body, earlier, again, recorded
):
    app = make_app()
    receive_alerts(alert_desk(app), parse_webhook(firing_body))
    (incident,) = app.incidents.incidents()
    first = PageRow("cart", "trigger", "shop", "svcmap/x/cart", earlier, {"summary": "one"})
    assert app.incidents.record_page(incident.id, first, now_s=app.now())

    second = PageRow("cart", "trigger", "shop", "svcmap/x/cart", again, {"summary": "two"})

    assert app.incidents.record_page(incident.id, second, now_s=app.now()) is recorded
    (row,) = [r for r in app.incidents.sendings(Outbox.PAGES) if r.target == "cart"]
    assert row.state == (again if recorded else earlier)
    assert row.body["summary"] == ("two" if recorded else "one")


def test_the_pager_cuts_off_a_pagerduty_dripping_its_answer_at_the_client_timeout(pagerduty):
    body = json.dumps({"status": "success", "dedup_key": "svcmap/abc-1/pay"}).encode()
    pagerduty.reply(Reply(202, body, drip_s=0.1))  # 5 s for the whole answer, 0.1 s per read
    limiter = RateLimiter(clock=lambda: 0.0, sleep=lambda _: None)
    with httpx.Client(base_url=pagerduty.url, timeout=0.5) as client:
        send = PagerDutyPager(client, limiter=limiter, sleep=lambda _: None, tries=1)
        started = time.monotonic()
        with pytest.raises(PagingError, match="timed out") as raised:
            send.send(EVENT)
        took = time.monotonic() - started

    assert raised.value.retryable
    assert took < 1.5
