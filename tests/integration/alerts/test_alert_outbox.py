"""The webhook of `serve` queues each notification and answers; workers record them after."""

import contextlib
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.exc import TimeoutError as PoolTimeoutError

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from bot.adapters.store.outbox import AlertOutbox
from bot.adapters.store.schema import alert_outbox
from bot.alert_workers import ROUNDS, AlertWorkers, work
from bot.bootstrap import alert_desk, dispatch_desk
from bot.usecases.alerting import save_evidence
from bot.usecases.dispatching import dispatch_due
from bot.web.app import create_app
from tests.integration.alerts.conftest import TOKEN, FakeNotifier, webhook

BEARER = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
LIMIT = 5


def workers_of(app, *, holder="replica-a", limit=LIMIT, lease_s=120, wake_sender=None):
    outbox = AlertOutbox(app.engine)
    return AlertWorkers(
        app,
        outbox,
        holder=holder,
        count=1,
        limit=limit,
        lease_s=lease_s,
        wake_sender=wake_sender,
    )


def post(app, workers, *bodies):
    web = TestClient(create_app(app, alert_workers=workers), base_url="http://127.0.0.1")
    with web as client:
        return [client.post("/alerts/alertmanager", content=b, headers=BEARER) for b in bodies]


def waiting(app):
    with app.engine.connect() as connection:
        return connection.execute(alert_outbox.select().order_by(alert_outbox.c.id)).all()


def drained(app, workers, *, within_s=30.0):
    """Run `workers` until the outbox is empty (or `within_s` passed), then stop them."""
    workers.start()
    try:
        until = time.monotonic() + within_s
        while waiting(app) and time.monotonic() < until:
            time.sleep(0.05)
    finally:
        workers.stop()


def test_a_queued_notification_is_answered_before_it_is_recorded_then_a_worker_records_it(
    make_app, pagerduty, firing_body
):
    app = make_app(notifier=FakeNotifier())
    woken = []
    workers = workers_of(app, wake_sender=lambda: woken.append(True))

    [answer] = post(app, workers, firing_body)

    assert answer.status_code == 200
    assert answer.json()["outcome"] == "queued"
    assert app.incidents.incidents() == []
    assert len(waiting(app)) == 1

    assert workers.work_one() is True
    dispatch_due(dispatch_desk(app), holder="test")
    assert app.incidents.incidents()[0].has_snapshot is False  # the saver's to save
    assert workers.save_waiting() == 1

    [incident] = app.incidents.incidents()
    assert incident.has_snapshot
    assert woken == [True]
    assert waiting(app) == []
    assert [e["event_action"] for e in pagerduty.events] == ["trigger"]
    assert workers.work_one() is False


def test_an_outbox_too_deep_answers_503_with_retry_after_and_stores_nothing_more(make_app):
    app = make_app()
    workers = workers_of(app, limit=2)

    answers = post(app, workers, *(webhook(f"svc-{n}") for n in range(4)))

    assert [a.status_code for a in answers] == [200, 200, 503, 503]
    assert all(a.headers["retry-after"] for a in answers[2:])
    assert len(waiting(app)) == 2


def test_a_bad_body_is_refused_before_it_reaches_the_outbox(make_app):
    app = make_app()
    workers = workers_of(app)

    answers = post(app, workers, b"{", b'{"version": "4"}', b"[]" * 10)

    assert [a.status_code for a in answers] == [400, 400, 400]
    assert waiting(app) == []


def test_with_every_connection_taken_a_queued_webhook_answers_503_with_retry_after(
    make_app, firing_body
):
    app = make_app(db_pool_timeout=1)
    workers = workers_of(app)
    held = []
    with contextlib.suppress(PoolTimeoutError):
        while len(held) < 100:
            held.append(app.engine.connect())
    try:
        [answer] = post(app, workers, firing_body)
    finally:
        for connection in held:
            connection.close()

    assert answer.status_code == 503
    assert answer.headers["retry-after"]
    assert waiting(app) == []


def test_a_notification_claimed_by_a_worker_that_died_is_worked_after_its_lease(
    make_app, clock, firing_body
):
    app = make_app()
    dead = workers_of(app, holder="died", lease_s=60)
    alive = workers_of(app, holder="alive", lease_s=60)
    post(app, dead, firing_body)
    outbox = AlertOutbox(app.engine)
    assert outbox.claim(holder="died", now_s=app.now(), lease_s=60) is not None  # then it died

    assert alive.work_one() is False
    clock.now += 61
    assert alive.work_one() is True

    assert len(app.incidents.incidents()) == 1
    assert waiting(app) == []
    assert outbox.done(1, holder="died") is False  # its late end changes nothing


def test_a_notification_still_worked_when_the_workers_stop_is_released_for_the_next_at_once(
    make_app, firing_body
):
    app = make_app()
    started, go_on = threading.Event(), threading.Event()

    def stuck(app_, entry):
        started.set()
        go_on.wait(30)
        return work(app_, entry)

    stopping = AlertWorkers(
        app, AlertOutbox(app.engine), holder="stopping", count=1, limit=LIMIT, lease_s=600,
        work=stuck,
    )  # fmt: skip
    post(app, stopping, firing_body)
    stopping.start()
    assert started.wait(10)

    stopping.stop(timeout_s=0.2)

    [row] = waiting(app)
    assert (row.claimed_by, row.claimed_until, row.attempts) == (None, None, 0)
    following = workers_of(app, holder="following", lease_s=600)
    assert following.work_one() is True  # at once, not 600 s later
    assert waiting(app) == []
    recorded = [(i.key, i.alerts) for i in app.incidents.incidents()]
    go_on.set()  # the stopped worker's late end records nothing twice
    stopping.stop(timeout_s=10)
    assert len(recorded) == 1
    assert [(i.key, i.alerts) for i in app.incidents.incidents()] == recorded


def test_a_release_by_a_worker_whose_claim_passed_to_another_changes_nothing(
    make_app, clock, firing_body
):
    app = make_app()
    outbox = AlertOutbox(app.engine)
    post(app, workers_of(app), firing_body)
    assert outbox.claim(holder="first", now_s=app.now(), lease_s=10) is not None
    clock.now += 11
    assert outbox.claim(holder="second", now_s=app.now(), lease_s=10) is not None

    assert outbox.release(1, holder="first") is False

    [row] = waiting(app)
    assert (row.claimed_by, row.attempts) == ("second", 2)


def test_a_groups_later_notification_waits_for_its_earlier_one_even_on_another_replica(
    make_app, firing_body, resolved_body
):
    app = make_app()
    first = workers_of(app, holder="replica-a")
    post(app, first, firing_body, resolved_body, webhook("other"))
    outbox = AlertOutbox(app.engine)

    taken = outbox.claim(holder="replica-a", now_s=app.now(), lease_s=120)
    second = outbox.claim(holder="replica-b", now_s=app.now(), lease_s=120)
    third = outbox.claim(holder="replica-b", now_s=app.now(), lease_s=120)

    assert taken is not None
    assert second is not None
    assert b"other" in second.body
    assert third is None  # the resolve waits behind the firing notification
    assert outbox.done(taken.id, holder="replica-a")
    later = outbox.claim(holder="replica-b", now_s=app.now(), lease_s=120)
    assert later is not None
    assert b'"resolved"' in later.body


def test_replicas_claiming_at_once_never_take_the_same_notification(make_app):
    app = make_app()
    bodies = [webhook(f"svc-{n}") for n in range(30)]
    post(app, workers_of(app, limit=100), *bodies)
    outboxes = [AlertOutbox(app.engine), AlertOutbox(app.engine)]
    taken: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def claim_all(number):
        start.wait()
        while (
            entry := outboxes[number % 2].claim(holder=f"h{number}", now_s=app.now(), lease_s=120)
        ) is not None:
            with lock:
                taken.append(entry.id)

    threads = [threading.Thread(target=claim_all, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(taken) == [row.id for row in waiting(app)]
    assert len(taken) == len(bodies)


def test_a_notification_that_cannot_be_read_is_left_failed_and_the_next_is_worked(
    make_app, firing_body
):
    app = make_app()
    workers = workers_of(app)
    outbox = AlertOutbox(app.engine)
    outbox.put(b"not json at all", group_hash="broken", now_s=app.now(), limit=LIMIT)
    post(app, workers, firing_body)

    assert workers.work_one() is True
    assert workers.work_one() is True

    [left] = waiting(app)
    assert left.state == "failed"
    assert left.last_error
    assert len(app.incidents.incidents()) == 1


def test_a_store_failing_while_working_is_tried_again_with_backoff_then_given_up(
    make_app, clock, firing_body
):
    app = make_app()
    workers = workers_of(app)
    post(app, workers, firing_body)
    with app.engine.begin() as connection:  # the incident tables gone: every try fails
        connection.exec_driver_sql("ALTER TABLE incident_alerts RENAME TO incident_alerts_gone")

    tries = 0
    while tries < ROUNDS + 2 and workers.work_one():
        tries += 1
        clock.now += 10_000
    [left] = waiting(app)

    assert tries == ROUNDS
    assert left.state == "failed"
    assert left.attempts == ROUNDS


def test_started_workers_record_everything_queued_and_stop(make_app):
    app = make_app()
    workers = AlertWorkers(
        app, AlertOutbox(app.engine), holder="serve", count=3, limit=100, lease_s=120
    )
    post(app, workers, *(webhook(f"svc-{n}") for n in range(12)))

    workers.start()
    for _ in range(200):
        if not waiting(app):
            break
        threading.Event().wait(0.05)
    workers.stop()

    assert waiting(app) == []
    assert len(app.incidents.incidents(limit=50)) == 12


def test_two_replicas_with_running_workers_take_a_storm_at_once_within_the_cap(make_app, pagerduty):
    notifier = FakeNotifier()
    replicas = [make_app(notifier=notifier), make_app(notifier=notifier)]
    workers = [
        AlertWorkers(
            app, AlertOutbox(app.engine), holder=f"replica-{n}", count=2, limit=100, lease_s=120
        )
        for n, app in enumerate(replicas)
    ]
    services = ["payment", "checkout", "frontend", "cart", *(f"svc-{n}" for n in range(8))]
    bodies = [webhook(service) for service in services]
    webs = [
        TestClient(create_app(app, alert_workers=w), base_url="http://127.0.0.1")
        for app, w in zip(replicas, workers, strict=True)
    ]
    for w in workers:
        w.start()
    start = threading.Barrier(len(bodies))

    def send(number):
        start.wait()
        web = webs[number % 2]
        return web.post("/alerts/alertmanager", content=bodies[number], headers=BEARER)

    try:
        with ThreadPoolExecutor(len(bodies)) as pool:
            answers = list(pool.map(send, range(len(bodies))))
        for _ in range(400):
            if not waiting(replicas[0]):
                break
            threading.Event().wait(0.05)
    finally:
        for w in workers:
            w.stop()
        for web in webs:
            web.close()
    for app in replicas:
        dispatch_due(dispatch_desk(app), holder=f"sender-{id(app)}")

    assert [a.status_code for a in answers] == [200] * len(bodies)
    app = replicas[0]
    every = app.incidents.incidents(limit=100)
    own = [i for i in every if i.merged_into is None]
    assert len(every) == len(services)
    assert 1 <= len(own) <= 3
    triggers = [e["dedup_key"] for e in pagerduty.events if e["event_action"] == "trigger"]
    assert len(triggers) == len(set(triggers)) <= len(own)
    assert waiting(app) == []


def test_a_slow_snapshot_save_holds_up_neither_the_next_notification_nor_its_page(
    make_app, pagerduty
):
    app = make_app()
    saving, release, saved = threading.Event(), threading.Event(), []

    def slow_save(app, receipt):
        saving.set()
        release.wait(30)
        save_evidence(alert_desk(app), receipt)
        saved.append(receipt.recorded.incident_id)

    workers = AlertWorkers(
        app,
        AlertOutbox(app.engine),
        holder="serve",
        count=1,
        limit=100,
        lease_s=120,
        save=slow_save,
    )
    post(app, workers, webhook("payment"))
    workers.start()
    try:
        assert saving.wait(30)  # the first incident's snapshot is being saved, and hangs
        post(app, workers, webhook("cart"))
        for _ in range(400):
            if not waiting(app):
                break
            threading.Event().wait(0.05)
        opened = app.incidents.incidents(limit=10)
        dispatch_due(dispatch_desk(app), holder="sender")
        assert waiting(app) == []
        assert len(opened) == 2
        assert not any(incident.has_snapshot for incident in opened)
        # payment's team is paged (cart's has no routing key) while its snapshot is unsaved.
        assert [e["payload"]["source"] for e in pagerduty.events] == ["payment"]
    finally:
        release.set()
        workers.stop(timeout_s=30)

    assert sorted(saved) == sorted(incident.id for incident in opened)
    assert all(incident.has_snapshot for incident in app.incidents.incidents(limit=10))
