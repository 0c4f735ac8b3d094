"""Writing the incident tables inside a transaction: alerts, and pages and posts to send.

A page or post is inserted once under its unique key; `put` counts the new ones still
to send, so that the caller knows to wake the sender.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, exists, func, select, update

from bot.adapters.store.incident_reads import select_incidents
from bot.adapters.store.incident_rows import (
    CAUSE,
    DRY_RUN,
    INCIDENT_POST,
    PENDING,
    RESOLVED,
    SENT,
    UPDATE,
    UPDATE_ALERTS,
    AlertRow,
    NoticeRow,
    Opening,
    Outcome,
    PageRow,
    Recorded,
)
from bot.adapters.store.inserts import insert_for
from bot.adapters.store.schema import incident_alerts, incidents, notifications, pages
from topology.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row


GROUPING_LOCK = 0x7376636D6171
"""Key of the Postgres advisory lock held while deciding whether a new group opens."""


def lock_grouping(connection: Connection) -> None:
    """Hold the grouping lock until the transaction ends: one opening decided at a time.

    On SQLite the write transaction (BEGIN IMMEDIATE) already excludes every other writer.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(GROUPING_LOCK)))


def joining(opening: Opening, target: int) -> Opening:
    """`opening` as a group joining incident `target`: nothing of its own to page or post."""
    return replace(
        opening,
        merged_into=target,
        paged_team=None,
        note=f"grouped into incident {target}",
        pages=(),
        notices=(),
        snapshot=None,
    )


SUMMARY = "summary"
"""The key of an incident's one summary reply about alerts new to it."""
SUMMARY_EVERY_S = 5
"""Seconds at least between two sends (post, then edits) of an incident's summary reply."""


def join_found(
    connection: Connection,
    opening: Opening,
    alerts: Sequence[AlertRow],
    now_s: int,
    notice_state: str,
) -> Recorded:
    """The insert met an incident of the same key or group: join it, unless resolved."""
    row = connection.execute(
        select_incidents()
        .where(
            (incidents.c.key == opening.key)
            | ((incidents.c.group_hash == opening.group_hash) & incidents.c.resolved_at.is_(None))
        )
        .order_by(incidents.c.resolved_at.is_(None).desc())
        .limit(1)
    ).first()
    if row is None:
        raise StoreError("an incident was neither opened nor found; try again")
    if row.resolved_at is not None:
        return Recorded(Outcome.STALE, row.id, row.key)
    return put_firing(connection, row, alerts, now_s, notice_state)


def put_firing(
    connection: Connection,
    incident: Row[Any],
    alerts: Sequence[AlertRow],
    now_s: int,
    notice_state: str,
    *,
    outcome: Outcome = Outcome.UPDATED,
) -> Recorded:
    """Add `alerts` to an incident firing, a reply in its post's thread naming the new ones."""
    sends = put_update(connection, incident, alerts, now_s, notice_state)
    put_alerts(connection, incident.id, alerts)
    touch(connection, incident.id, now_s)
    return Recorded(outcome, incident.id, incident.key, sends)


def put_update(
    connection: Connection, incident: Row[Any], alerts: Sequence[AlertRow], now_s: int, state: str
) -> int:
    """Record a reply in the incident post's thread naming the firing alerts not stored yet."""
    known = {
        (row.fingerprint, row.starts_at)
        for row in connection.execute(
            select(incident_alerts.c.fingerprint, incident_alerts.c.starts_at).where(
                incident_alerts.c.incident_id == incident.id
            )
        )
    }
    new = sorted(
        {(a.fingerprint, a.starts_at): a for a in alerts if a.status == "firing"}.items(),
        key=lambda item: item[0],
    )
    new = [(key, alert) for key, alert in new if key not in known]
    root = incident.merged_into or incident.id
    channel = post_channel(connection, root)
    if not new or channel is None:
        return 0
    listed = [
        {"alertname": a.alertname, "service": a.service, "summary": a.summary} for _, a in new
    ]
    grouped = [incident.title] if incident.merged_into is not None else []
    return put_summary(
        connection, root, channel, listed=listed, grouped=grouped, now_s=now_s, state=state
    )


def put_added_page(
    connection: Connection,
    root: int,
    page: PageRow,
    reply: Mapping[str, object],
    *,
    key: str,
    now_s: int,
    notice_state: str,
) -> bool:
    """Record `page`, added to open incident `root`, and `reply` in its post's thread.

    Not when a trigger of `root` went to the page's team already: a team is paged once
    per incident, replicas deciding at once included (under the grouping lock). `key`
    tells the reply apart from the incident's other such replies. Whether the page was
    recorded.
    """
    lock_grouping(connection)
    paged = exists().where(
        pages.c.incident_id == root, pages.c.action == "trigger", pages.c.team == page.team
    )
    if connection.execute(select(paged)).scalar():
        return False
    if not put_one(connection, pages, page_values(root, page) | fresh(now_s)):
        return False
    channel = post_channel(connection, root)
    if channel is not None:
        notice = NoticeRow(
            channel=channel, kind=CAUSE, team=page.team, state=notice_state, body=reply, key=key
        )
        put_notices(connection, root, [notice], now_s)
    return True


def post_channel(connection: Connection, root: int) -> str | None:
    """The channel of incident `root`'s post, where replies about it thread; None without one."""
    return connection.execute(
        select(notifications.c.channel).where(
            notifications.c.incident_id == root, notifications.c.kind == INCIDENT_POST
        )
    ).scalar()


def put_summary(
    connection: Connection,
    root: int,
    channel: str,
    *,
    listed: Sequence[Mapping[str, object]],
    grouped: Sequence[str],
    now_s: int,
    state: str,
) -> int:
    """Add alerts (and groups joined) to the incident's one summary reply in its post's thread.

    The summary is posted once, then edited: an edit to send waits until `SUMMARY_EVERY_S`
    after the last one was sent, so a storm edits it every few seconds at most instead of
    replying once a notification. Answers 1 when it is to send.
    """
    where = (
        (notifications.c.incident_id == root)
        & (notifications.c.channel == channel)
        & (notifications.c.kind == UPDATE)
        & (notifications.c.key == SUMMARY)
    )
    query = select(notifications.c.body, notifications.c.state, notifications.c.sent_at)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    found = connection.execute(query.where(where)).first()
    if found is None:
        body = summary_body({}, listed, grouped)
        row = NoticeRow(
            channel=channel, kind=UPDATE, team=None, state=state, body=body, key=SUMMARY
        )
        if put_notices(connection, root, [row], now_s) or state != PENDING:
            return int(state == PENDING)
        found = connection.execute(query.where(where)).one()  # another writer's, just committed
    values: dict[str, Any] = {
        "body": json.dumps(summary_body(json.loads(found.body), listed, grouped), sort_keys=True)
    }
    if state == PENDING and found.state != PENDING:
        values.update(
            state=PENDING,
            attempts=0,
            last_error=None,
            next_attempt_at=max(now_s, (found.sent_at or now_s) + SUMMARY_EVERY_S),
        )
    connection.execute(update(notifications).where(where).values(**values))
    return int(state == PENDING)


def summary_body(
    old: Mapping[str, Any], listed: Sequence[Mapping[str, object]], grouped: Sequence[str]
) -> dict[str, object]:
    """The summary `old` with alerts `listed` and groups `grouped` added; the rest counted."""
    alerts, more = _capped(old.get("alerts", []), old.get("more", 0), listed)
    groups, groups_more = _capped(old.get("grouped", []), old.get("grouped_more", 0), grouped)
    return {
        "title": old.get("title", ""),
        "joined": False,
        "alerts": alerts,
        "more": more,
        "grouped": groups,
        "grouped_more": groups_more,
        "revision": int(old.get("revision", 0)) + 1,
    }


def _capped(shown: list[Any], more: int, added: Sequence[Any]) -> tuple[list[Any], int]:
    room = max(0, UPDATE_ALERTS - len(shown))
    return [*shown, *added[:room]], int(more) + max(0, len(added) - room)


def put_alerts(connection: Connection, incident_id: int, alerts: Sequence[AlertRow]) -> None:
    """Add the incident's alerts, or update those it has (by fingerprint and start)."""
    rows = {
        (a.fingerprint, a.starts_at): {
            "incident_id": incident_id,
            "fingerprint": a.fingerprint,
            "starts_at": a.starts_at,
            "status": a.status,
            "ends_at": a.ends_at,
            "alertname": a.alertname,
            "service": a.service,
            "summary": a.summary,
            "labels": json.dumps(dict(a.labels), sort_keys=True),
        }
        for a in alerts
    }
    if not rows:
        return
    statement = insert_for(connection, incident_alerts)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["incident_id", "fingerprint", "starts_at"],
            set_={"status": statement.excluded.status, "ends_at": statement.excluded.ends_at},
        ),
        [rows[key] for key in sorted(rows)],
    )


def fired_since(connection: Connection, incident_id: int, alerts: Sequence[AlertRow]) -> bool:
    """Whether each of `alerts` fired again later in the incident (a flap): told late of."""
    rows = connection.execute(
        select(incident_alerts.c.fingerprint, func.max(incident_alerts.c.starts_at))
        .where(incident_alerts.c.incident_id == incident_id)
        .group_by(incident_alerts.c.fingerprint)
    )
    latest: dict[str, int] = dict(rows.all())
    return bool(alerts) and all(
        a.starts_at < latest.get(a.fingerprint, a.starts_at) for a in alerts
    )


def opened_values(opening: Opening, now_s: int) -> dict[str, Any]:
    """The columns every new incident takes from its opening."""
    return {
        "key": opening.key,
        "group_hash": opening.group_hash,
        "group_key": opening.group_key,
        "symptom": opening.symptom,
        "cause": opening.cause,
        "severity": opening.severity,
        "title": opening.title,
        "opened_at": now_s,
        "updated_at": now_s,
        "evidence_at": now_s,
        "note": opening.note,
    }


def touch(connection: Connection, incident_id: int, now_s: int) -> None:
    """Note that the incident changed now."""
    connection.execute(
        update(incidents).where(incidents.c.id == incident_id).values(updated_at=now_s)
    )


def put_pages(
    connection: Connection,
    incident_id: int,
    rows: Sequence[PageRow],
    now_s: int,
    *,
    due_s: int | None = None,
) -> int:
    """Record the pages not recorded before, to send from `due_s` (or now); how many."""
    values = [page_values(incident_id, row) | fresh(now_s, due_s) for row in rows]
    return put(connection, pages, values)


def page_values(incident_id: int, row: PageRow) -> dict[str, Any]:
    """The columns of incident `incident_id`'s page `row`, as recorded."""
    return {
        "incident_id": incident_id,
        "service": row.service,
        "action": row.action,
        "team": row.team,
        "dedup_key": row.dedup_key,
        "state": row.state,
        "body": json.dumps(row.body, sort_keys=True),
    }


def put_notices(
    connection: Connection,
    incident_id: int,
    rows: Sequence[NoticeRow],
    now_s: int,
    *,
    due_s: int | None = None,
) -> int:
    """Record the Slack posts not recorded before, to send from `due_s` (or now); how many."""
    values = [
        {
            "incident_id": incident_id,
            "channel": row.channel,
            "kind": row.kind,
            "team": row.team,
            "state": row.state,
            "body": json.dumps(row.body, sort_keys=True),
            "key": row.key,
        }
        | fresh(now_s, due_s)
        for row in rows
    ]
    return put(connection, notifications, values)


def put_following(
    connection: Connection, root: int, action: str, now_s: int, *, due_s: int | None = None
) -> int:
    """Record an `action` (acknowledge, resolve) page after each of the incident's triggers.

    Each is sent from `due_s` (or now). Answers the number to send. A dry-run trigger is
    followed by a dry run.
    """
    triggers = connection.execute(
        select(pages).where(
            pages.c.incident_id == root,
            pages.c.action == "trigger",
            pages.c.state.in_((PENDING, SENT, DRY_RUN)),
        )
    ).all()
    rows = [
        PageRow(
            service=t.service,
            action=action,
            team=t.team,
            dedup_key=t.dedup_key,
            state=DRY_RUN if t.state == DRY_RUN else PENDING,
            body={"follows": t.id},
        )
        for t in triggers
    ]
    return put_pages(connection, root, rows, now_s, due_s=due_s)


def put_resolves(
    connection: Connection, root: int, now_s: int, notice_state: str, *, hold_s: int
) -> int:
    """Record the resolves of the incident's pages and the edit of its post; the number to send.

    They are held `hold_s` seconds before they are sent: an alert firing again meanwhile
    takes them back (`take_back_resolves`) and its incident goes on.
    """
    post = connection.execute(
        select(notifications.c.channel, notifications.c.body).where(
            notifications.c.incident_id == root, notifications.c.kind == INCIDENT_POST
        )
    ).first()
    opened_at = connection.execute(
        select(incidents.c.opened_at).where(incidents.c.id == root)
    ).scalar()
    notices = []
    if post is not None:
        body = json.loads(post.body) | {"opened_at": opened_at, "resolved_at": now_s}
        notices.append(
            NoticeRow(channel=post.channel, kind=RESOLVED, team=None, state=notice_state, body=body)
        )
    due_s = now_s + hold_s
    return put_following(connection, root, "resolve", now_s, due_s=due_s) + put_notices(
        connection, root, notices, now_s, due_s=due_s
    )


def may_reopen(connection: Connection, last: Row[Any], since_s: int) -> bool:
    """Whether a group's resolved `last` incident may fire again (`reopen_held`).

    It may when the incidents joined with it all resolved, the last at `since_s` or later,
    and their resolves and all-clear, untried, are taken back here; or when one of them
    fires on and `last` resolved at `since_s` or later.
    """
    root = last.merged_into or last.id
    family = (incidents.c.id == root) | (incidents.c.merged_into == root)
    resolved_at, still_open = connection.execute(
        select(
            func.max(incidents.c.resolved_at),
            func.count().filter(incidents.c.resolved_at.is_(None)),
        ).where(family)
    ).one()
    if still_open:
        return bool(last.resolved_at >= since_s)
    return bool(resolved_at >= since_s) and take_back_resolves(connection, root)


def take_back_resolves(connection: Connection, root: int) -> bool:
    """Delete the incident's resolves and all-clear, if none was tried yet; whether it did.

    One tried (`attempts` above 0, or no longer pending nor a dry run) may have reached
    PagerDuty or Slack, so none is taken back. A sender claiming one meanwhile (another
    replica) makes this raise `ResolveClaimedError`, to roll the transaction back.
    """
    deletes = []
    for table, held in (
        (pages, pages.c.action == "resolve"),
        (notifications, notifications.c.kind == RESOLVED),
    ):
        rows = (table.c.incident_id == root) & held
        untried = table.c.state.in_((PENDING, DRY_RUN)) & (table.c.attempts == 0)
        total, takeable = connection.execute(
            select(func.count(), func.count().filter(untried)).where(rows)
        ).one()
        if total != takeable:
            return False
        deletes.append((table.delete().where(rows, untried), total))
    for delete, total in deletes:
        if connection.execute(delete).rowcount != total:
            raise ResolveClaimedError(root)
    return True


class ResolveClaimedError(Exception):
    """An incident's resolve was claimed to send while it was being taken back."""

    def __init__(self, root: int) -> None:
        super().__init__(f"a resolve of incident {root} is being sent")


def fresh(now_s: int, due_s: int | None = None) -> dict[str, Any]:
    """The columns of a row to send that is new now, to send from `due_s` (or now)."""
    held = {} if due_s is None else {"next_attempt_at": due_s}
    return {"attempts": 0, "created_at": now_s} | held


def put(connection: Connection, table: Table, values: list[dict[str, Any]]) -> int:
    """Insert rows not already there; the number of new ones still to send."""
    return sum(put_one(connection, table, value) and value["state"] == PENDING for value in values)


def put_one(connection: Connection, table: Table, value: dict[str, Any]) -> bool:
    """Insert the row unless its unique key is there; whether it was inserted.

    Told by RETURNING: with the primary key returned implicitly, psycopg counts no rows.
    """
    insert = insert_for(connection, table).values(**value).on_conflict_do_nothing()
    return connection.execute(insert.returning(table.c.id)).first() is not None
