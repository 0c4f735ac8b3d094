"""Send what incidents recorded: pages first, then the incident posts, then the other posts.

A page waits for no Slack call and no picture: it links to its incident's post only when
that was sent before (a page sent again); the post names whom it paged.

Each row is claimed before it is sent, so replicas sweeping together send it once. A
failure that may pass (429, 5xx, a timeout) leaves the row pending for a later sweep,
with backoff, until `ROUNDS` sweeps have failed; anything else marks it failed.

A page PagerDuty accepted is recorded as sent through a failing database (`persisted`);
one the database would not take is remembered (`Deliveries`, on disk with a journal) and
recorded before the next sweep sends anything, by this process or the next one to start,
so it is not sent again and its resolve does not wait. A page whose claim lapsed without
an outcome (its sender died mid-send) may have reached PagerDuty: it is sent again before
any other, with its `dedup_key`, which PagerDuty folds into the alert the first send
opened; a journal tells the next process of such a send, which frees it at once.

Posts go the same way, except that Slack would show a post sent twice twice: each post is
journaled (`posts`) before it is sent and once Slack said where it put it, and a post
tried before (its sender died, or its answer was lost) is first looked for in its
channel by the key it carries (`Notifier.find`): found, it is recorded where it is;
not found, it is posted. When Slack cannot be asked (no history scope) it is posted,
perhaps a second time: a post shown twice is better than an incident not shown.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from bot.adapters.paging.ports import Notice, Notifier, Pager, Posted
from bot.adapters.store.incident_rows import IncidentRecord, Sending
from bot.adapters.store.ports import Outboxes
from bot.adapters.store.retry import persisted
from bot.usecases.alert_text import notice_text
from bot.usecases.deliveries import Accepted, Deliveries
from topology.errors import NoticeError, PagingError, RemoteError, SvcmapError
from topology.incidents.model import Link, Outbox, PageAction, PageEvent, SendState, Severity
from topology.ownership import Team
from topology.picture import Picture

log = logging.getLogger(__name__)

CLAIM_TTL_S = 300
"""How long a claimed row is left to its sender before another may send it (a crash)."""

ROUNDS = 5
"""Sweeps a row that keeps failing with a passing error gets before it is marked failed."""

RETRY_BASE_S = 30
"""The wait before the second sweep of a failed row; doubled for each later one."""

PAGE_PASSES = 2
"""Passes over the due pages in one sweep: triggers, then the resolves that waited on them."""

GIVE_UP_S = 3600
"""A row still unsent this long after it was recorded is marked failed, not sent late."""

SKEW_S = 60
"""How far Slack's clock may be behind ours: a post is looked for from this long before its row."""


IncidentPicture = Callable[[IncidentRecord, Sequence[str], Collection[str]], "Picture | None"]
"""The picture of an incident, with its likely causes and its alerting services, or None."""


@dataclass(frozen=True, slots=True)
class DispatchDesk:
    """What sending uses: the incident log's outboxes, the pager, the notifier, the time.

    `pager` is None unless paging is on, `notifier` until Slack is configured; `teams`
    are the catalog's (their routing keys); `picture` draws an incident for its post;
    `clock` says the time in Unix seconds.
    """

    outboxes: Outboxes
    pager: Pager | None
    notifier: Notifier | None
    teams: Mapping[str, Team]
    picture: IncidentPicture
    clock: Callable[[], int]


@dataclass(slots=True)
class Dispatched:
    """What one sweep did, by outcome."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)


def dispatch_due(
    desk: DispatchDesk,
    *,
    holder: str,
    deliveries: Deliveries | None = None,
    posts: Deliveries | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Dispatched:
    """Send every page and post due now; return what happened to each.

    The pages in `deliveries` and the posts in `posts` (accepted, not recorded) are
    recorded first, and the sends a dead sender left cut off are freed; while the store
    refuses them, nothing is sent (StoreError).
    """
    sweep = _Sweep(
        desk,
        holder,
        Deliveries() if deliveries is None else deliveries,
        Deliveries(kind="post") if posts is None else posts,
        sleep,
    )
    sweep.record_accepted()
    sweep.free_cut_off()
    for _ in range(PAGE_PASSES):  # a resolve becomes due once its trigger was sent
        due = desk.outboxes.due(Outbox.PAGES, now_s=desk.clock())
        for row in sorted(due, key=lambda row: row.claimed_by is None):  # lapsed claims first
            sweep.page(row)
        if not due:
            break
    due_posts = desk.outboxes.due(Outbox.POSTS, now_s=desk.clock())
    for row in (r for r in due_posts if r.kind == "incident"):
        sweep.post(row)
    # Replies and all-clears wait for their incident post, which may have just been sent.
    for row in desk.outboxes.due(Outbox.POSTS, now_s=desk.clock()):
        if row.kind != "incident":
            sweep.post(row)
    return sweep.report


class _Sweep:
    """One pass over the rows due: claims, sends, and records each outcome."""

    def __init__(
        self,
        desk: DispatchDesk,
        holder: str,
        deliveries: Deliveries,
        posts: Deliveries,
        sleep: Callable[[float], None],
    ) -> None:
        self.desk = desk
        self.holder = holder
        self.report = Dispatched()
        self.deliveries = deliveries
        self.posts = posts
        self.sleep = sleep

    def record_accepted(self) -> None:
        """Record as sent the pages and posts accepted that the store did not take before."""
        for outbox, noted in ((Outbox.PAGES, self.deliveries), (Outbox.POSTS, self.posts)):
            for accepted in noted.pending():
                persisted(partial(self._record_sent, outbox, accepted), sleep=self.sleep)
                noted.recorded(accepted)
                log.info(
                    "recorded %s %d as sent, as it was accepted", outbox.value, accepted.row_id
                )
                self.report.sent.append(accepted.row_id)

    def free_cut_off(self) -> None:
        """Free the pages and posts a dead sender was sending, to send them again now."""
        for outbox, noted in ((Outbox.PAGES, self.deliveries), (Outbox.POSTS, self.posts)):
            for cut in noted.cut_off():
                persisted(
                    partial(self.desk.outboxes.release, outbox, cut.row_id, holder=cut.holder),
                    sleep=self.sleep,
                )
                noted.finished(cut.row_id, self.desk.clock())

    def _record_sent(self, outbox: Outbox, accepted: Accepted) -> None:
        self.desk.outboxes.finish(
            outbox, accepted.row_id, holder=accepted.holder, state=SendState.SENT.value,
            now_s=accepted.at_s, url=accepted.url, ref=accepted.ref,
        )  # fmt: skip

    def page(self, row: Sending) -> None:
        desk = self.desk
        if desk.pager is None:
            self._give_up_if_old(Outbox.PAGES, row, "paging mode is not on")
            return
        if not self._claim(Outbox.PAGES, row):
            return
        self.deliveries.sending(row.id, self.holder, desk.clock())
        team = desk.teams.get(row.team or "")
        key = team.pagerduty_routing_key if team else None
        if not key:
            self._finish(Outbox.PAGES, row, error=f"team {row.team} has no PagerDuty routing key")
            return
        event = page_event(row, key, desk.outboxes.post_url(row.incident_id))
        if row.claimed_by is not None:
            log.warning(
                "sending %s %s again: its last send may have reached PagerDuty, which folds "
                "a repeat with the same dedup_key into the same alert",
                row.kind, row.dedup_key,
            )  # fmt: skip
        try:
            desk.pager.send(event)
        except PagingError as error:
            self._failed(Outbox.PAGES, row, error)
            return
        log.info("sent %s %s to team %s", row.kind, row.dedup_key, row.team)
        accepted = Accepted(row.id, self.holder, desk.clock())
        self.deliveries.note(accepted)  # until recorded; recorded before anything else is sent
        persisted(partial(self._record_sent, Outbox.PAGES, accepted), sleep=self.sleep)
        self.deliveries.recorded(accepted)
        self.report.sent.append(row.id)

    def post(self, row: Sending) -> None:
        desk = self.desk
        if desk.notifier is None:
            self._give_up_if_old(Outbox.POSTS, row, "no notifier is configured")
            return
        if not self._claim(Outbox.POSTS, row):
            return
        if row.attempts and self._found(row):
            return
        notice = notice_of(desk, row)
        self.posts.sending(row.id, self.holder, desk.clock())
        try:
            posted = desk.notifier.post(notice)
        except NoticeError as error:
            self._failed(Outbox.POSTS, row, error)
            return
        self.posts.note(
            Accepted(
                row_id=row.id, holder=self.holder, at_s=desk.clock(), ref=posted.ref, url=posted.url
            )
        )
        self._finish(Outbox.POSTS, row, url=posted.url, ref=posted.ref, sent_body=row.body)

    def _found(self, row: Sending) -> bool:
        """Whether a post tried before is settled: found in Slack (and recorded), or failed.

        False when it is to be posted: not found, or Slack cannot be asked for good.
        """
        notifier = self.desk.notifier
        assert notifier is not None  # noqa: S101 - checked by the caller
        since = row.created_at - SKEW_S
        try:
            found = notifier.find(notice_of(self.desk, row, picture=False), since_s=since)
        except NoticeError as error:
            if error.retryable:
                self._failed(Outbox.POSTS, row, error)
                return True
            log.warning(
                "cannot tell whether %s post %d reached Slack (%s); posting it, maybe twice",
                row.kind, row.id, error,
            )  # fmt: skip
            return False
        if found is None:
            return False
        log.info("%s post %d was in Slack already; recorded, not posted again", row.kind, row.id)
        self._finish(Outbox.POSTS, row, url=found.url, ref=found.ref)
        return True

    def _claim(self, outbox: Outbox, row: Sending) -> bool:
        return self.desk.outboxes.claim(
            outbox, row.id, holder=self.holder, now_s=self.desk.clock(), ttl_s=CLAIM_TTL_S
        )

    def _failed(self, outbox: Outbox, row: Sending, error: RemoteError) -> None:
        attempts = row.attempts + 1
        if error.retryable and attempts < ROUNDS:
            wait = RETRY_BASE_S * 2 ** (attempts - 1)
            log.warning("%s (attempt %d; trying again in %ds)", error, attempts, wait)
            self._finish(outbox, row, error=str(error), retry_at=self.desk.clock() + wait)
            return
        log.error("%s (attempt %d; giving up)", error, attempts)
        self._finish(outbox, row, error=str(error))

    def _give_up_if_old(self, outbox: Outbox, row: Sending, why: str) -> None:
        """Leave a row nobody can send pending, until it is too old to be worth sending."""
        if self.desk.clock() - row.created_at < GIVE_UP_S:
            return
        if self._claim(outbox, row):
            self._finish(outbox, row, error=f"not sent within {GIVE_UP_S // 60} minutes: {why}")

    def _finish(
        self,
        outbox: Outbox,
        row: Sending,
        *,
        error: str | None = None,
        retry_at: int | None = None,
        url: str | None = None,
        ref: str | None = None,
        sent_body: Mapping[str, object] | None = None,
    ) -> None:
        if error is None:
            state, outcome = SendState.SENT, self.report.sent
        elif retry_at is not None:
            state, outcome = SendState.PENDING, self.report.retrying
        else:
            state, outcome = SendState.FAILED, self.report.failed
        self.desk.outboxes.finish(
            outbox,
            row.id,
            holder=self.holder,
            state=state.value,
            now_s=self.desk.clock(),
            error=error,
            retry_at=retry_at,
            url=url,
            ref=ref,
            sent_body=sent_body,
        )
        (self.deliveries if outbox is Outbox.PAGES else self.posts).finished(
            row.id, self.desk.clock()
        )
        outcome.append(row.id)


def page_event(row: Sending, routing_key: str, post_url: str | None) -> PageEvent:
    """The event a recorded page sends, linking to the incident's post when there is one."""
    action = PageAction(row.kind)
    if action is not PageAction.TRIGGER:
        return PageEvent(action, routing_key, row.dedup_key or "")
    body = row.body
    links = tuple(Link(str(item["href"]), str(item["text"])) for item in _links(body))
    if post_url:
        links = (Link(post_url, "Incident post in Slack"), *links)
    details = body.get("details")
    return PageEvent(
        action,
        routing_key,
        row.dedup_key or "",
        summary=_text(body, "summary") or row.target,
        source=_text(body, "source") or row.target,
        severity=Severity(_text(body, "severity") or Severity.ERROR.value),
        component=_text(body, "component"),
        group=_text(body, "group"),
        klass=_text(body, "class"),
        timestamp=_text(body, "timestamp"),
        details=details if isinstance(details, dict) else {},
        links=links,
    )


def _links(body: Mapping[str, object]) -> list[Mapping[str, object]]:
    links = body.get("links")
    if not isinstance(links, list):
        return []
    return [item for item in links if isinstance(item, dict) and "href" in item]


def _text(body: Mapping[str, object], key: str) -> str | None:
    value = body.get(key)
    return value if isinstance(value, str) and value else None


def notice_of(desk: DispatchDesk, row: Sending, *, picture: bool = True) -> Notice:
    """The notice a recorded post sends, with the incident's state now.

    It carries the incident post it refers to, and (the incident post, when `picture`)
    its picture.
    """
    incident = desk.outboxes.incident(row.incident_id)
    body = {**row.body, **incident_facts(incident)} if incident else dict(row.body)
    post = None
    if row.kind != "incident":
        sent = desk.outboxes.post_of(row.incident_id)
        if sent is not None and sent.state == SendState.SENT.value and sent.ref:
            post = Posted(sent.ref, sent.url)
    drawn = None
    if picture and row.kind == "incident" and incident is not None:
        causes = [str(c["service"]) for c in _items(body.get("candidates"))]
        try:
            alerting = desk.outboxes.alerting_services(incident.id)
            drawn = desk.picture(incident, causes, alerting)
        except SvcmapError as error:  # the post goes without its picture
            log.warning("no picture for incident %s: %s", incident.key, error)
    return Notice(
        kind=row.kind,
        channel=row.target,
        incident_id=row.incident_id,
        text=notice_text(row.kind, body),
        body=body,
        post=post,
        picture=drawn,
        previous=Posted(row.ref, row.url) if row.kind == "update" and row.ref else None,
        key=f"{incident.key if incident else row.incident_id}/{row.id}",
    )


def incident_facts(incident: IncidentRecord) -> dict[str, object]:
    """What a post shows of its incident's state: id, key, when it opened, who acknowledged."""
    return {
        "incident": incident.id,
        "incident_key": incident.key,
        "opened_at": incident.opened_at,
        "acknowledged_by": incident.acknowledged_by,
    }


def _items(value: object) -> list[Mapping[str, object]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict) and "service" in item]
