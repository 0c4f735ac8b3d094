"""Alerts become incident posts in Slack: through the real webhook, the sender, the Bolt app
and a fake Slack Web API, with pages going to a fake PagerDuty."""

from __future__ import annotations

import json
import logging
import shutil
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from bot.adapters.store.incident_writes import SUMMARY_EVERY_S
from bot.bootstrap import App, build_app, dispatch_desk, import_desk
from bot.settings import load_settings
from bot.slack.bolt import build_bolt
from bot.usecases.dispatching import dispatch_due, notice_of
from bot.usecases.importing import import_file
from bot.web.app import create_app
from tests.fake_pagerduty import FakePagerDuty, Reply
from tests.integration.alerts.conftest import CATALOG, INCIDENT_AT, SAMPLES, TOKEN, WEB_KEY, Clock
from tests.slack.fake_api import Call, FakeSlack, channel_id
from tests.slack.requests import SECRET, command_body, signed
from tests.slack.requests import action_body as signed_action
from topology.incidents.model import RESOLVE_HOLD_S, Outbox
from topology.picture import style

BEARER = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
ONCALL = "S0ONCALL"
INCIDENTS = channel_id("#incidents")


def notification(
    *alerts: tuple[str, str], status: str = "firing", group: str = "checkout-errors", **labels: str
) -> bytes:
    """A webhook body of `alerts` (fingerprint, service), all in one group."""
    items = [
        {
            "status": status,
            "labels": {
                "alertname": "HighErrorRate",
                "service": service,
                "severity": "critical",
                **labels,
            },
            "annotations": {"summary": f"{service} 5xx ratio above 5%"},
            "startsAt": "2026-05-01T02:20:00Z",
            "endsAt": "2026-05-01T02:40:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph",
            "fingerprint": fingerprint,
        }
        for fingerprint, service in alerts
    ]
    common = {"alertname": "HighErrorRate", "severity": "critical"}
    return json.dumps(
        {
            "receiver": "svcmap",
            "status": status,
            "alerts": items,
            "groupLabels": {"alertname": "HighErrorRate"},
            "commonLabels": common,
            "commonAnnotations": {"runbook_url": "https://runbooks.example.com/checkout"},
            "externalURL": "http://alertmanager:9093",
            "version": "4",
            "groupKey": group,
            "truncatedAlerts": 0,
        }
    ).encode()


FIRING = notification(("fp-1", "checkout"))


@dataclass
class Desk:
    """The app with Slack and paging on, its web server, and the fakes it talks to."""

    app: App
    web: TestClient
    fake: FakeSlack
    pagerduty: FakePagerDuty
    clock: Clock
    answering: ThreadPoolExecutor
    woken: list[int] = field(default_factory=list)
    presses: int = 0

    def alert(self, body: bytes) -> dict[str, object]:
        answer = self.web.post("/alerts/alertmanager", content=body, headers=BEARER)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def send(self) -> None:
        dispatch_due(dispatch_desk(self.app), holder="test")

    def posts(self, channel: str) -> list[Call]:
        names = {channel, channel_id(channel)}
        return [c for c in self.fake.of("chat.postMessage") if c.params["channel"] in names]

    def press(self, action: dict[str, object], **where: str) -> None:
        """Press `action` (on the first incident's post, unless `where` says otherwise).

        Each press is its own request, as Slack sends one per press.
        """
        post = self.app.incidents.post_of(1)
        if not {"channel", "message_ts"} & where.keys() and post is not None and post.ref:
            channel, ts = post.ref.split(":")
            where = {"channel": channel, "message_ts": ts, **where}
        self.presses += 1
        pressed = {**action, "action_ts": f"1700000{self.presses:03d}.000001"}
        body = signed_action(pressed, response_url=self.fake.response_url(), **where)
        answer = self.web.post("/slack/events", content=body, headers=signed(body))
        assert answer.status_code == 200, answer.text
        self.settle()

    def command(self, text: str, **where: str) -> None:
        body = command_body(text, response_url=self.fake.response_url(), **where)
        answer = self.web.post("/slack/events", content=body, headers=signed(body))
        assert answer.status_code == 200
        self.settle()

    def settle(self) -> None:
        """Wait for the acknowledged presses and questions to be handled."""
        self.answering.submit(lambda: None).result(timeout=30)
        self.answering.submit(lambda: None).result(timeout=30)

    def told(self) -> list[str]:
        """What the pressers were told through `response_url`, in order."""
        return [json.loads(call.body)["text"] for call in self.fake.of("/hooks/1")]


@pytest.fixture(scope="module")
def shop_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the sample shop's traces, imported once and copied per test."""
    path = tmp_path_factory.mktemp("incident-shop") / "svcmap.db"
    with build_app(load_settings(database_url=f"sqlite:///{path}")) as app:
        for sample in SAMPLES:
            import_file(import_desk(app), sample, None)
    return path


@pytest.fixture
def make_desk(shop_file: Path, tmp_path: Path) -> Iterator[Callable[..., Desk]]:
    made: list[Desk] = []

    def make(**overrides: object) -> Desk:
        database = tmp_path / f"svcmap-{len(made)}.db"
        shutil.copy(shop_file, database)
        catalog = tmp_path / "owners.yaml"
        catalog.write_text(CATALOG)
        fake = FakeSlack(members={ONCALL: ["W111", "W222"]})
        pagerduty = FakePagerDuty().__enter__()
        settings = load_settings(
            **{
                "database_url": f"sqlite:///{database}",
                "catalog_file": catalog,
                "paging_mode": "on",
                "pagerduty_events_url": pagerduty.url,
                "alert_token": TOKEN,
                "incident_channel": "#incidents",
                "slack_bot_token": "xoxb-test-token",
                "slack_signing_secret": SECRET,
                "slack_api_url": fake.api_url,
                "slack_page_groups": ONCALL,
                **overrides,
            }
        )
        clock = Clock(INCIDENT_AT)
        app = build_app(settings, clock=clock)
        answering = ThreadPoolExecutor(1)
        woken: list[int] = []
        bolt = build_bolt(app, executor=answering, wake=lambda: woken.append(1))
        web = TestClient(create_app(app, slack=bolt), base_url="http://127.0.0.1")
        desk = Desk(app, web, fake, pagerduty, clock, answering, woken)
        made.append(desk)
        return desk

    yield make
    for desk in made:
        desk.answering.shutdown(wait=True)
        desk.web.close()
        desk.app.close()
        desk.fake.close()
        desk.pagerduty.__exit__()


@pytest.fixture
def desk(make_desk: Callable[..., Desk]) -> Desk:
    return make_desk()


def action_ids(call: Call) -> list[str]:
    return [
        str(element["action_id"])
        for block in call.blocks()
        if block["type"] == "actions"
        for element in block["elements"]  # type: ignore[union-attr]
    ]


def button(call: Call, prefix: str) -> dict[str, object]:
    for block in call.blocks():
        for element in block.get("elements", []):  # type: ignore[union-attr]
            if str(element.get("action_id", "")).startswith(prefix):
                return dict(element)
    raise AssertionError(f"no {prefix} button in {action_ids(call)}")


def test_a_firing_alert_posts_one_incident_post_with_causes_blast_radius_and_buttons(desk):
    desk.alert(FIRING)
    desk.send()

    (post,) = desk.posts("#incidents")
    shown = post.text_of_blocks()
    assert "CRITICAL" in shown
    assert "Likely " in shown
    assert "*payment*" in shown or "*stripe-api*" in shown
    assert "Blast radius" in shown
    assert "frontend" in shown
    assert "teams: " in shown
    assert f"Paging *{desk.app.incidents.incident(1).paged_team}*" in shown
    ids = action_ids(post)
    assert any(i.startswith("svcmap.run.") for i in ids)
    assert any(i.startswith("svcmap.page.") for i in ids)
    assert any(i.startswith("svcmap.ack.") for i in ids)
    assert "Root causes of checkout" in shown


def test_the_picture_of_the_neighbourhood_goes_in_the_posts_thread(desk):
    desk.alert(FIRING)
    desk.send()

    ts = desk.app.incidents.post_of(1).ref.split(":")[1]
    (done,) = desk.fake.of("files.completeUploadExternal")
    assert done.params["channel_id"] == INCIDENTS
    assert done.params["thread_ts"] == ts
    (png,) = desk.fake.uploads.values()
    assert png.startswith(b"\x89PNG")


def test_the_picture_shows_the_alerting_service_in_the_alert_colour(desk):
    desk.alert(FIRING)
    (row,) = [r for r in desk.app.incidents.sendings(Outbox.POSTS) if r.kind == "incident"]

    picture = notice_of(dispatch_desk(desk.app), row).picture

    assert picture is not None
    assert style.ALERT_FILL in picture.dot


def test_the_page_goes_before_the_incident_post_so_it_links_to_none(desk):
    desk.alert(FIRING)
    desk.send()

    (trigger,) = desk.pagerduty.events
    assert all(link["text"] != "Incident post in Slack" for link in trigger.get("links", []))
    assert desk.app.incidents.post_of(1).state == "sent"


def test_a_later_alert_of_the_same_group_replies_in_the_thread_once(desk):
    desk.alert(FIRING)
    desk.send()
    later = notification(("fp-1", "checkout"), ("fp-2", "checkout"))
    desk.alert(later)
    desk.alert(later)
    desk.send()
    desk.send()

    first, reply = desk.posts("#incidents")
    ts = desk.app.incidents.post_of(1).ref.split(":")[1]
    assert "thread_ts" not in first.params or not first.params["thread_ts"]
    assert reply.params["thread_ts"] == ts
    assert "1 more alert firing" in reply.text_of_blocks()
    assert len(desk.pagerduty.events) == 1


def test_a_redelivered_notification_posts_nothing_twice(desk):
    desk.alert(FIRING)
    desk.alert(FIRING)
    desk.send()
    desk.alert(FIRING)
    desk.send()

    channels = [c.params["channel"] for c in desk.fake.of("chat.postMessage")]
    assert len(desk.posts("#incidents")) == 1
    assert len(channels) == len(set(channels))
    assert len(desk.pagerduty.events) == 1


def test_resolved_edits_the_post_saying_how_long_it_lasted_and_says_so_in_the_thread(desk):
    desk.alert(FIRING)
    desk.send()
    desk.clock.now += 25 * 60
    desk.alert(notification(("fp-1", "checkout"), status="resolved"))
    desk.clock.now += RESOLVE_HOLD_S  # held in case the alert fires again
    desk.send()

    (edit,) = desk.fake.of("chat.update")
    ts = desk.app.incidents.post_of(1).ref.split(":")[1]
    assert (edit.params["channel"], edit.params["ts"]) == (INCIDENTS, ts)
    assert "*Resolved* after 25m" in edit.text_of_blocks()
    assert not [i for i in action_ids(edit) if i.startswith(("svcmap.page", "svcmap.ack"))]
    reply = desk.posts("#incidents")[-1]
    assert reply.params["thread_ts"] == ts
    assert "Resolved after 25m" in reply.text_of_blocks()
    assert [e["event_action"] for e in desk.pagerduty.events] == ["trigger", "resolve"]


def test_owners_of_upstream_services_get_a_notice_in_their_channel_not_a_page(desk):
    desk.alert(notification(("fp-1", "payment")))  # payments own payment and its callees
    desk.send()

    (notice,) = desk.posts("#web")
    shown = notice.text_of_blocks()
    assert "Heads-up for *web*" in shown
    assert "checkout" in shown
    assert "ghostbusters.slack.com/archives" in notice.mrkdwn_of_blocks()
    assert [e["routing_key"] for e in desk.pagerduty.events] != [WEB_KEY]


def test_a_channel_slack_refuses_fails_the_post_and_the_page_still_goes(desk):
    desk.fake.fail[("chat.postMessage", "#incidents")] = "channel_not_found"
    desk.alert(FIRING)
    desk.send()

    (post,) = [r for r in desk.app.incidents.sendings(Outbox.POSTS) if r.kind == "incident"]
    assert post.state == "failed"
    assert "channel_not_found" in (post.last_error or "")
    (trigger,) = desk.pagerduty.events
    assert all("slack" not in link["href"] for link in trigger.get("links", []))


def test_a_slack_answering_500_leaves_the_post_to_retry_and_the_page_still_goes(desk):
    desk.fake.status[("chat.postMessage", "#incidents")] = 500
    desk.alert(FIRING)
    desk.send()

    (post,) = [r for r in desk.app.incidents.sendings(Outbox.POSTS) if r.kind == "incident"]
    assert (post.state, post.attempts) == ("pending", 1)
    assert "HTTP 500" in (post.last_error or "")
    assert len(desk.pagerduty.events) == 1

    del desk.fake.status[("chat.postMessage", "#incidents")]
    desk.clock.now += 120
    desk.send()
    assert len(desk.posts("#incidents")) == 2  # the failed try, then the post


def page_button_of_an_owner_not_paged(desk: Desk) -> tuple[dict[str, object], str, str]:
    """After an alert on checkout: a page button of the post, its service and the owning team.

    The alert pages the owner of the top candidate or of checkout, as the ranking is sure
    or not; the button is the other one's.
    """
    desk.alert(FIRING)
    desk.send()
    (post,) = desk.posts("#incidents")
    paged = desk.app.incidents.incident(1).paged_team  # type: ignore[union-attr]
    for block in post.blocks():
        for element in block.get("elements", []):  # type: ignore[union-attr]
            if not str(element.get("action_id")).startswith("svcmap.page."):
                continue
            service = str(element["value"]).split(" ", 1)[1]
            team = desk.app.catalog.owner_name(service)
            if team is not None and team != paged:
                return dict(element), service, team
    raise AssertionError("no page button for an owner not paged")


def routing_key(desk: Desk, team: str) -> str | None:
    return desk.app.catalog.teams[team].pagerduty_routing_key


def test_the_page_button_is_refused_to_someone_outside_the_paging_groups(desk):
    pressed, _, _ = page_button_of_an_owner_not_paged(desk)
    before = len(desk.app.incidents.sendings(Outbox.PAGES))

    desk.press(pressed, user="W999")

    (said,) = desk.told()
    assert said.startswith("Sorry, paging is allowed only to the on-call user groups")
    assert len(desk.app.incidents.sendings(Outbox.PAGES)) == before


def test_the_page_button_pages_once_for_someone_in_the_paging_group_even_pressed_twice(desk):
    pressed, service, team = page_button_of_an_owner_not_paged(desk)

    desk.press(pressed, user="W111")
    desk.press(pressed, user="W111")
    desk.send()

    by_button = [e for e in desk.pagerduty.events if e["dedup_key"].endswith(f"/{service}")]
    assert len(by_button) == 1
    assert by_button[0]["routing_key"] == routing_key(desk, team)
    first, second = desk.told()
    assert first == f"Paging {team} about {service}."
    assert "already paged" in second
    assert desk.woken == [1]


def test_a_page_that_failed_is_tried_again_when_the_button_is_pressed_again(desk):
    pressed, service, team = page_button_of_an_owner_not_paged(desk)
    refusal = b'{"status": "invalid event", "message": "Event object is invalid"}'
    desk.pagerduty.reply(Reply(400, refusal))
    desk.press(pressed, user="W111")
    desk.send()
    (failed,) = [p for p in desk.app.incidents.sendings(Outbox.PAGES) if p.target == service]
    assert failed.state == "failed"

    desk.press(pressed, user="W111")
    desk.send()

    assert desk.told() == [f"Paging {team} about {service}."] * 2
    by_button = [e for e in desk.pagerduty.events if e["dedup_key"].endswith(f"/{service}")]
    assert len(by_button) == 2
    (sent,) = [p for p in desk.app.incidents.sendings(Outbox.PAGES) if p.target == service]
    assert (sent.state, sent.attempts, sent.last_error) == ("sent", 1, None)


def test_a_forged_page_button_value_pages_nobody(desk):
    pressed, _, _ = page_button_of_an_owner_not_paged(desk)

    desk.press({**pressed, "value": "1 frontend"}, user="W111")
    desk.press({**pressed, "value": "<!channel>"}, user="W111")

    assert desk.told()[0] == "Only the owners of the incident's services can be paged from it."
    assert "nothing svcmap can page" in desk.told()[1]
    assert all(p.target != "frontend" for p in desk.app.incidents.sendings(Outbox.PAGES))


def test_incident_buttons_pressed_anywhere_but_on_the_incidents_post_do_nothing(desk):
    pressed, _, _ = page_button_of_an_owner_not_paged(desk)
    (post,) = desk.posts("#incidents")
    ts = desk.app.incidents.post_of(1).ref.split(":")[1]
    elsewhere = {"channel": "C0OTHER", "message_ts": ts}
    other_message = {"channel": INCIDENTS, "message_ts": "1700000000.000042"}

    desk.press(pressed, user="W111", **elsewhere)
    desk.press(button(post, "svcmap.ack"), user="W111", **other_message)
    desk.send()

    assert desk.told() == [
        "That button is not on this incident's post; nobody was paged.",
        "That button is not on this incident's post; nothing was noted.",
    ]
    assert [e["event_action"] for e in desk.pagerduty.events] == ["trigger"]
    assert desk.app.incidents.incident(1).acknowledged_by is None


def test_in_dry_run_the_page_button_records_a_dry_run_page(make_desk):
    desk = make_desk(paging_mode="dry-run")
    pressed, service, team = page_button_of_an_owner_not_paged(desk)

    desk.press(pressed, user="W111")
    desk.send()

    assert desk.pagerduty.events == []
    assert desk.told() == [f"Dry-run: would page {team} about {service} (paging mode)."]


def test_acknowledge_records_who_and_shows_it_on_the_post(desk):
    desk.alert(FIRING)
    desk.send()
    (post,) = desk.posts("#incidents")

    desk.press(button(post, "svcmap.ack"), user="W111")
    desk.press(button(post, "svcmap.ack"), user="W222")

    (edit,) = desk.fake.of("chat.update")
    assert "acknowledged by <@W111>" in edit.mrkdwn_of_blocks()
    assert not [i for i in action_ids(edit) if i.startswith("svcmap.ack")]
    assert desk.app.incidents.incident(1).acknowledged_by == "W111"
    assert "<@W111> acknowledged this incident already" in desk.told()[1]


def test_acknowledge_is_refused_to_someone_outside_the_paging_groups(desk):
    desk.alert(FIRING)
    desk.send()
    (post,) = desk.posts("#incidents")

    desk.press(button(post, "svcmap.ack"), user="W999")
    desk.send()

    (said,) = desk.told()
    assert said.startswith("Sorry, paging is allowed only to the on-call user groups")
    assert said.endswith("Nothing was acknowledged.")
    assert desk.app.incidents.incident(1).acknowledged_by is None
    assert [e["event_action"] for e in desk.pagerduty.events] == ["trigger"]


def test_acknowledge_with_a_forged_value_acknowledges_nothing(desk):
    desk.alert(FIRING)
    desk.send()
    (post,) = desk.posts("#incidents")
    pressed = button(post, "svcmap.ack")

    forged = ("2", "0", "-1", "1 payment", "9" * 40, "\u00b2", "<!channel>", "")
    for value in forged:
        desk.press({**pressed, "value": value}, user="W111")
    desk.send()

    assert desk.app.incidents.incident(1).acknowledged_by is None
    assert [e["event_action"] for e in desk.pagerduty.events] == ["trigger"]
    told = desk.told()
    assert len(told) == len(forged)  # each press answered, none failed
    assert not any("acknowledged" in said for said in told)


def test_acknowledge_acknowledges_the_incidents_pages_in_pagerduty_once(desk):
    desk.alert(FIRING)
    desk.send()
    (post,) = desk.posts("#incidents")
    (trigger,) = desk.pagerduty.events

    desk.press(button(post, "svcmap.ack"), user="W111")
    desk.press(button(post, "svcmap.ack"), user="W222")
    desk.send()

    assert desk.woken == [1]
    _, acknowledged = desk.pagerduty.events
    assert acknowledged == {
        "routing_key": trigger["routing_key"],
        "event_action": "acknowledge",
        "dedup_key": trigger["dedup_key"],
    }


def test_an_rca_answer_carries_a_page_button_that_pages_the_top_candidates_owner_once(desk):
    desk.command("rca checkout --at 1777602600", user="W111", channel="C0ONCALL")
    (answer,) = desk.fake.of("chat.postMessage")
    pressed = button(answer, "svcmap.page")
    assert str(pressed["value"]).startswith("-")

    where = {"user": "W111", "channel": "C0ONCALL", "message_ts": "1700000000.000042"}
    desk.press(pressed, **where)
    desk.press(pressed, **where)
    desk.send()

    assert len(desk.pagerduty.events) == 1
    manual = [i for i in desk.app.incidents.incidents() if i.receiver == "slack"]
    assert len(manual) == 1


def test_an_answers_page_button_with_a_forged_value_or_pressed_elsewhere_pages_nobody(desk):
    desk.command("rca checkout --at 1777602600", user="W111", channel="C0ONCALL")
    (answer,) = desk.fake.of("chat.postMessage")
    pressed = button(answer, "svcmap.page")
    sealed, service = str(pressed["value"]).split(" ", 1)
    assert service != "postgres"
    here = {"user": "W111", "channel": "C0ONCALL", "message_ts": "1700000000.000042"}
    forged = [
        "- postgres",  # as answers' buttons were before they were sealed
        f"{sealed} postgres",  # the seal of another service
        f"-{'A' * 22} {service}",  # a made-up seal
        f"{sealed}x {service}",
        f"{sealed} {service} ",
    ]

    for value in forged:
        desk.press({**pressed, "value": value}, **here)
    desk.press(pressed, **{**here, "channel": "C0OTHER"})  # moved to another channel
    desk.press(pressed, **here, thread_ts="1700000000.000007")  # or into a thread
    desk.press(pressed, **{**here, "user": "W999"})  # by someone outside the paging groups
    desk.send()

    assert desk.pagerduty.events == []
    assert not [i for i in desk.app.incidents.incidents() if i.receiver == "slack"]
    told = desk.told()
    assert (
        told[0]
        == told[1]
        == told[2]
        == told[4]
        == told[5]
        == told[6]
        == ("That button is not on an answer svcmap posted here; nobody was paged.")
    )
    assert "nothing svcmap can page" in told[3]
    assert told[7].startswith("Sorry, paging is allowed only to the on-call user groups")


def test_an_answers_page_button_pressed_in_a_thread_under_it_still_pages(desk):
    desk.command("rca checkout --at 1777602600", user="W111", channel="C0ONCALL")
    (answer,) = desk.fake.of("chat.postMessage")
    pressed = button(answer, "svcmap.page")
    ts = "1700000000.000042"

    # Once the answer has replies, Slack gives it its own ts as thread_ts.
    desk.press(pressed, user="W222", channel="C0ONCALL", message_ts=ts, thread_ts=ts)
    desk.send()

    assert len(desk.pagerduty.events) == 1


def paged_by_button(desk: Desk, **where: str) -> dict[str, object]:
    """Press an rca answer's page button; the payload of the page PagerDuty got."""
    desk.command("rca checkout --at 1777602600", user="W111", channel="C0ONCALL")
    (answer,) = desk.fake.of("chat.postMessage")
    place = {"user": "W111", "channel": "C0ONCALL", "message_ts": "1700000000.000042", **where}
    desk.press(button(answer, "svcmap.page"), **place)
    desk.send()
    (event,) = desk.pagerduty.events
    payload = event["payload"]
    assert isinstance(payload, dict)
    return payload


def test_by_default_a_page_from_slack_names_nobody(desk, caplog):
    desk.fake.people["W111"] = {"display_name": "Ada"}

    with caplog.at_level(logging.INFO, logger="bot.slack.incident_buttons"):
        payload = paged_by_button(desk)

    assert str(payload["summary"]).endswith("(paged from Slack)")
    assert "W111" not in json.dumps(payload)
    assert "Ada" not in json.dumps(payload)
    assert "paged_from_slack_by" not in payload["custom_details"]  # type: ignore[operator]
    assert desk.fake.of("users.info") == []
    (said,) = [r.getMessage() for r in caplog.records if r.name == "bot.slack.incident_buttons"]
    assert said.startswith("Slack user W111 pressed Page owners of ")  # in svcmap's own log


def test_a_page_from_slack_can_name_the_presser_by_display_name(make_desk):
    desk = make_desk(page_presser_name="display-name")
    desk.fake.people["W111"] = {"display_name": "Ada\u202e\n", "real_name": "Ada Lovelace"}

    payload = paged_by_button(desk)

    assert str(payload["summary"]).endswith("(paged from Slack by Ada)")
    assert payload["custom_details"]["paged_from_slack_by"] == "Ada"  # type: ignore[index]
    assert "W111" not in json.dumps(payload)
    (asked,) = desk.fake.of("users.info")
    assert asked.params["user"] == "W111"


def test_a_display_name_slack_cannot_give_names_nobody(make_desk):
    desk = make_desk(page_presser_name="display-name")
    desk.fake.fail[("users.info", "*")] = "user_not_found"

    payload = paged_by_button(desk)

    assert str(payload["summary"]).endswith("(paged from Slack)")
    assert "W111" not in json.dumps(payload)


def test_hostile_alert_labels_are_escaped_in_every_post(desk):
    hostile = '<!channel> *bold* <https://evil.example|click> `x` ```y``` "];evil[" <b>'
    body = notification(("fp-x", hostile), alertname=hostile)
    desk.alert(body)
    desk.send()

    (post,) = desk.posts("#incidents")
    mrkdwn = post.mrkdwn_of_blocks() + post.params.get("text", "")
    assert "<!channel>" not in mrkdwn
    assert "<https://evil" not in mrkdwn
    assert "<b>" not in mrkdwn
    assert "&lt;!channel&gt;" in mrkdwn


NOTIFICATIONS = 40


def storm(desk: Desk, count: int, *, seconds_apart: float = 0.5) -> None:
    """`count` notifications of the incident's group, each with one alert more, each sent."""
    for number in range(2, count + 2):
        desk.clock.now += seconds_apart
        alerts = [(f"fp-{n}", "checkout") for n in range(1, number + 1)]
        desk.alert(notification(*alerts))
        desk.send()


def test_a_storm_on_one_incident_makes_one_reply_edited_every_few_seconds_at_most(desk):
    desk.alert(notification(("fp-1", "checkout")))
    desk.send()

    storm(desk, NOTIFICATIONS)
    desk.clock.now += SUMMARY_EVERY_S
    desk.send()

    ts = desk.app.incidents.post_of(1).ref.split(":")[1]
    replies = [c for c in desk.posts("#incidents") if c.params.get("thread_ts") == ts]
    edits = [c for c in desk.fake.of("chat.update") if c.params["ts"] != ts]
    assert len(replies) == 1
    seconds = NOTIFICATIONS * 0.5 + SUMMARY_EVERY_S
    assert 1 <= len(edits) <= seconds / SUMMARY_EVERY_S + 1
    reply_ts = desk.app.incidents.sendings(Outbox.POSTS)[0].ref.split(":")[1]
    assert {e.params["ts"] for e in edits} == {reply_ts}
    assert {e.params["channel"] for e in edits} == {INCIDENTS}
    last = edits[-1].text_of_blocks()
    assert f"{NOTIFICATIONS} more alerts firing" in last
    assert f"and {NOTIFICATIONS - 10} more" in last
    (summary,) = [r for r in desk.app.incidents.sendings(Outbox.POSTS) if r.kind == "update"]
    assert summary.state == "sent"
    assert len(desk.pagerduty.events) == 1


def test_alerts_arriving_while_the_reply_is_sent_are_edited_in_after(desk):
    desk.alert(notification(("fp-1", "checkout")))
    desk.send()
    desk.alert(notification(("fp-1", "checkout"), ("fp-2", "checkout")))
    (row,) = [r for r in desk.app.incidents.sendings(Outbox.POSTS) if r.kind == "update"]
    desk.app.incidents.claim(Outbox.POSTS, row.id, holder="slow", now_s=desk.app.now(), ttl_s=60)
    desk.alert(notification(("fp-1", "checkout"), ("fp-2", "checkout"), ("fp-3", "checkout")))

    desk.app.incidents.finish(
        Outbox.POSTS,
        row.id,
        holder="slow",
        state="sent",
        now_s=desk.app.now(),
        ref=f"{INCIDENTS}:1.0001",
        sent_body=row.body,
    )
    (after,) = [r for r in desk.app.incidents.sendings(Outbox.POSTS) if r.kind == "update"]
    desk.clock.now += SUMMARY_EVERY_S
    desk.send()

    assert after.state == "pending"
    (edit,) = [c for c in desk.fake.of("chat.update") if c.params["ts"] == "1.0001"]
    assert "2 more alerts firing" in edit.text_of_blocks()


def test_groups_joining_the_incident_are_named_in_the_one_reply(desk):
    desk.alert(notification(("fp-1", "checkout")))
    desk.send()
    for number, service in enumerate(("frontend", "payment", "cart"), start=2):
        desk.clock.now += 1
        desk.alert(notification((f"fp-{number}", service), group=f"{service}-errors"))
    desk.clock.now += SUMMARY_EVERY_S
    desk.send()

    ts = desk.app.incidents.post_of(1).ref.split(":")[1]
    (reply,) = [c for c in desk.posts("#incidents") if c.params.get("thread_ts") == ts]
    shown = reply.text_of_blocks()
    assert shown.count("Grouped into this incident") == 1
    assert "3 more alerts firing" in shown
