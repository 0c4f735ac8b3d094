"""The incident log: incidents, their alerts, and each page and post recorded before it is sent.

Unique keys make recording idempotent: a notification delivered twice, or to two
replicas at once, opens one incident and records each page once. A row to send is
claimed (one statement, atomic) before it is sent, so two senders never send it both;
a claim left by a crash expires and the row is sent again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, and_, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from topology.errors import StoreError
from topology.incidents.decide import RecentIncident
from topology.incidents.keys import digest
from topology.store.engine import WRITES
from topology.store.incident_rows import (
    Acknowledgement,
    AlertRow,
    IncidentRecord,
    NoticeRow,
    Opening,
    Outcome,
    PageRow,
    Recorded,
    Sending,
)
from topology.store.repository import reported
from topology.store.schema import incident_alerts, incidents, notifications, pages

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine, Row

PENDING, SENT, FAILED, DRY_RUN = "pending", "sent", "failed", "dry-run"
INCIDENT_POST, UPDATE, RESOLVED = "incident", "update", "resolved"
"""Kinds of posts threaded on the incident post: the post, a reply about new alerts, the end."""
MANUAL = "slack"
"""The receiver of incidents opened by a person paging from Slack, not by an alert."""
UPDATE_ALERTS = 10
"""New alerts named in one thread reply; the rest are counted."""
_ERROR_CHARS = 500


class IncidentLog:
    """The incident tables of one database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def open_for_group(self, group_hash: str) -> IncidentRecord | None:
        """The open incident of a group, or None."""
        with self._read() as connection:
            row = connection.execute(_open_of(group_hash)).first()
        return None if row is None else _incident(row)

    def by_key(self, key: str) -> IncidentRecord | None:
        """The incident with `key`, open or not."""
        with self._read() as connection:
            row = connection.execute(_incidents().where(incidents.c.key == key)).first()
        return None if row is None else _incident(row)

    def incident(self, incident_id: int) -> IncidentRecord | None:
        """Incident `incident_id`, or None."""
        with self._read() as connection:
            row = connection.execute(_incidents().where(incidents.c.id == incident_id)).first()
        return None if row is None else _incident(row)

    def recent_open(self, since_s: int) -> list[RecentIncident]:
        """Open incidents of their own (not joined to another) opened from `since_s` by alerts."""
        query = select(incidents.c.id, incidents.c.symptom, incidents.c.opened_at).where(
            incidents.c.resolved_at.is_(None),
            incidents.c.status == "firing",
            incidents.c.merged_into.is_(None),
            incidents.c.opened_at >= since_s,
        )
        with self._read() as connection:
            return [RecentIncident(*row) for row in connection.execute(query)]

    def record_firing(
        self,
        opening: Opening,
        alerts: Sequence[AlertRow],
        *,
        now_s: int,
        notice_state: str = DRY_RUN,
    ) -> Recorded:
        """Open the incident `opening` describes, or add the alerts to the group's open one.

        All or nothing: the incident, its alerts, pages, posts and snapshot together.
        Alerts new to an incident already posted record a reply in the post's thread,
        in `notice_state`. A notification of an incident already resolved (a late
        redelivery) changes nothing.
        """
        with self._write() as connection:
            found = connection.execute(_open_of(opening.group_hash)).first()
            if found is not None:
                sends = _put_update(connection, found, alerts, now_s, notice_state)
                _put_alerts(connection, found.id, alerts)
                _touch(connection, found.id, now_s)
                return Recorded(Outcome.UPDATED, found.id, found.key, sends)
            statement = _insert(connection, incidents).values(
                **_opened(opening, now_s),
                receiver=opening.receiver,
                status="firing",
                merged_into=opening.merged_into,
                paged_team=opening.paged_team,
                snapshot=opening.snapshot,
            )
            new_id = connection.execute(
                statement.on_conflict_do_nothing().returning(incidents.c.id)
            ).scalar()
            if new_id is None:
                return _someone_else_opened(connection, opening, alerts, now_s, notice_state)
            if opening.merged_into is not None:
                joined = connection.execute(_incidents().where(incidents.c.id == new_id)).one()
                sends = _put_update(connection, joined, alerts, now_s, notice_state)
            else:
                sends = 0
            _put_alerts(connection, new_id, alerts)
            sends += _put_pages(connection, new_id, opening.pages, now_s)
            sends += _put_notices(connection, new_id, opening.notices, now_s)
            outcome = Outcome.OPENED if opening.merged_into is None else Outcome.JOINED
            return Recorded(outcome, new_id, opening.key, sends)

    def record_resolved(
        self,
        group_hash: str,
        alerts: Sequence[AlertRow],
        *,
        now_s: int,
        all_resolved: bool,
        notice_state: str,
    ) -> Recorded:
        """Note resolved alerts; when the incident and all joined to it are resolved, resolve.

        Resolving records a resolve for every trigger sent or still to send (a dry-run
        trigger gets a dry-run resolve), and an all-clear where the incident was posted.
        """
        with self._write() as connection:
            found = connection.execute(_open_of(group_hash)).first()
            if found is None:
                latest = connection.execute(
                    _incidents()
                    .where(incidents.c.group_hash == group_hash)
                    .order_by(incidents.c.id.desc())
                    .limit(1)
                ).first()
                if latest is None:
                    return Recorded(Outcome.UNKNOWN)
                return Recorded(Outcome.STALE, latest.id, latest.key)
            _put_alerts(connection, found.id, alerts)
            _touch(connection, found.id, now_s)
            if not all_resolved:
                return Recorded(Outcome.UPDATED, found.id, found.key)
            connection.execute(
                update(incidents)
                .where(incidents.c.id == found.id)
                .values(status="resolved", resolved_at=now_s)
            )
            root = found.merged_into or found.id
            family = (incidents.c.id == root) | (incidents.c.merged_into == root)
            still_open = connection.execute(
                select(func.count()).where(family, incidents.c.resolved_at.is_(None))
            ).scalar()
            sends = 0
            if not still_open:
                sends = _put_resolves(connection, root, now_s, notice_state)
            return Recorded(Outcome.RESOLVED, found.id, found.key, sends)

    def due(self, table: Table, *, now_s: int, limit: int = 100) -> list[Sending]:
        """Rows of `table` (pages or notifications) to send now, oldest first.

        An acknowledge or resolve waits while its trigger is still to be sent; a reply in
        an incident post's thread (or its all-clear) while the post is.
        """
        conditions = [
            table.c.state == PENDING,
            or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now_s),
            or_(table.c.claimed_until.is_(None), table.c.claimed_until < now_s),
        ]
        if table is notifications:
            post = notifications.alias("post")
            conditions.append(
                or_(
                    notifications.c.kind.not_in((UPDATE, RESOLVED)),
                    ~exists().where(
                        post.c.incident_id == notifications.c.incident_id,
                        post.c.kind == INCIDENT_POST,
                        post.c.state == PENDING,
                    ),
                )
            )
        if table is pages:
            trigger = pages.alias("trigger")
            conditions.append(
                or_(
                    pages.c.action == "trigger",
                    ~exists().where(
                        trigger.c.incident_id == pages.c.incident_id,
                        trigger.c.service == pages.c.service,
                        trigger.c.action == "trigger",
                        trigger.c.state == PENDING,
                    ),
                )
            )
        query = select(table).where(and_(*conditions)).order_by(table.c.id).limit(limit)
        with self._read() as connection:
            return [_sending(table, row) for row in connection.execute(query)]

    def claim(self, table: Table, row_id: int, *, holder: str, now_s: int, ttl_s: int) -> bool:
        """Take row `row_id` to send it, counting an attempt; False when another has it."""
        with self._write() as connection:
            result = connection.execute(
                update(table)
                .where(
                    table.c.id == row_id,
                    table.c.state == PENDING,
                    or_(table.c.claimed_until.is_(None), table.c.claimed_until < now_s),
                )
                .values(
                    claimed_until=now_s + ttl_s,
                    claimed_by=holder,
                    attempts=table.c.attempts + 1,
                )
            )
            return result.rowcount == 1

    def finish(
        self,
        table: Table,
        row_id: int,
        *,
        holder: str,
        state: str,
        now_s: int,
        error: str | None = None,
        retry_at: int | None = None,
        url: str | None = None,
        ref: str | None = None,
    ) -> None:
        """Record how sending a claimed row went: sent, failed, or pending until `retry_at`."""
        values: dict[str, Any] = {
            "state": state,
            "claimed_until": None,
            "claimed_by": None,
            "next_attempt_at": retry_at,
            "last_error": None if error is None else error[:_ERROR_CHARS],
        }
        if state == SENT:
            values["sent_at"] = now_s
        if table is notifications and state == SENT:
            values.update(url=url, ref=ref)
        with self._write() as connection:
            connection.execute(
                update(table)
                .where(table.c.id == row_id, table.c.claimed_by == holder)
                .values(**values)
            )

    def post_of(self, incident_id: int) -> Sending | None:
        """The incident post of incident `incident_id` (or of the one it joined), in any state."""
        root = select(func.coalesce(incidents.c.merged_into, incidents.c.id)).where(
            incidents.c.id == incident_id
        )
        query = select(notifications).where(
            notifications.c.incident_id == root.scalar_subquery(),
            notifications.c.kind == INCIDENT_POST,
        )
        with self._read() as connection:
            row = connection.execute(query.limit(1)).first()
        return None if row is None else _sending(notifications, row)

    def acknowledge(self, incident_id: int, *, user: str, now_s: int) -> Acknowledgement:
        """Note that `user` acknowledged incident `incident_id`, unless someone did first.

        The first acknowledgement is also recorded as an `acknowledge` page for each
        trigger page of the incident, to tell the paging service.
        """
        with self._write() as connection:
            first = connection.execute(
                update(incidents)
                .where(incidents.c.id == incident_id, incidents.c.acknowledged_by.is_(None))
                .values(acknowledged_by=user, acknowledged_at=now_s)
            ).rowcount
            row = connection.execute(_incidents().where(incidents.c.id == incident_id)).first()
            pages_added = (
                _put_following(connection, incident_id, "acknowledge", now_s) if first else 0
            )
        return Acknowledgement(None if row is None else _incident(row), pages_added)

    def open_manual(self, opening: Opening, *, now_s: int) -> IncidentRecord:
        """The incident a person opened from Slack under `opening.key`: opened once, kept open.

        It is never grouped with alerts, and alerts never join it.
        """
        with self._write() as connection:
            connection.execute(
                _insert(connection, incidents)
                .values(**_opened(opening, now_s), receiver=MANUAL, status="manual")
                .on_conflict_do_nothing()
            )
            row = connection.execute(_incidents().where(incidents.c.key == opening.key)).one()
        return _incident(row)

    def record_page(self, incident_id: int, page: PageRow, *, now_s: int) -> bool:
        """Record `page` for incident `incident_id`; False when it was recorded before.

        A page recorded before that failed, or was a dry run while `page` is to be sent,
        is recorded again: asked again, it is tried again.
        """
        values = {
            "incident_id": incident_id,
            "service": page.service,
            "action": page.action,
            "team": page.team,
            "dedup_key": page.dedup_key,
            "state": page.state,
            "body": json.dumps(page.body, sort_keys=True),
        }
        renewable = [FAILED, DRY_RUN] if page.state == PENDING else [FAILED]
        with self._write() as connection:
            if _put_one(connection, pages, values | _fresh(now_s)):
                return True
            renewed = connection.execute(
                update(pages)
                .where(
                    pages.c.incident_id == incident_id,
                    pages.c.service == page.service,
                    pages.c.action == page.action,
                    pages.c.state.in_(renewable),
                )
                .values(
                    **values | _fresh(now_s),
                    next_attempt_at=None,
                    claimed_until=None,
                    claimed_by=None,
                    last_error=None,
                )
            ).rowcount
        return renewed == 1

    def alerting_services(self, incident_id: int) -> list[str]:
        """The services named by alerts of incident `incident_id` and those joined to it."""
        family = (incidents.c.id == incident_id) | (incidents.c.merged_into == incident_id)
        query = (
            select(incident_alerts.c.service)
            .join(incidents, incidents.c.id == incident_alerts.c.incident_id)
            .where(family, incident_alerts.c.service.is_not(None))
            .distinct()
        )
        with self._read() as connection:
            return sorted(str(name) for name in connection.execute(query).scalars())

    def post_url(self, incident_id: int) -> str | None:
        """The link to the incident's post, once it was sent."""
        query = select(notifications.c.url).where(
            notifications.c.incident_id == incident_id,
            notifications.c.kind == "incident",
            notifications.c.state == SENT,
        )
        with self._read() as connection:
            return connection.execute(query).scalar()

    def incidents(self, limit: int = 20) -> list[IncidentRecord]:
        """The latest incidents, newest first."""
        query = _incidents().order_by(incidents.c.id.desc()).limit(limit)
        with self._read() as connection:
            return [_incident(row) for row in connection.execute(query)]

    def sendings(
        self, table: Table, *, incident_id: int | None = None, limit: int = 50
    ) -> list[Sending]:
        """The latest pages or posts, newest first; of one incident when given."""
        query = select(table).order_by(table.c.id.desc()).limit(limit)
        if incident_id is not None:
            query = query.where(table.c.incident_id == incident_id)
        with self._read() as connection:
            return [_sending(table, row) for row in connection.execute(query)]

    def save_snapshot(self, incident_id: int, data: bytes) -> None:
        """Keep `data` as the snapshot of incident `incident_id`."""
        with self._write() as connection:
            connection.execute(
                update(incidents).where(incidents.c.id == incident_id).values(snapshot=data)
            )

    def snapshot(self, incident_id: int) -> bytes | None:
        """The snapshot saved with incident `incident_id`, or None."""
        query = select(incidents.c.snapshot).where(incidents.c.id == incident_id)
        with self._read() as connection:
            data = connection.execute(query).scalar()
        return None if data is None else bytes(data)

    def _read(self) -> AbstractContextManager[Connection]:
        return _transaction(self._engine, writes=False)

    def _write(self) -> AbstractContextManager[Connection]:
        return _transaction(self._engine, writes=True)


@contextmanager
def _transaction(engine: Engine, *, writes: bool) -> Iterator[Connection]:
    """A connection in a transaction; database failures come out as StoreErrors."""
    with reported(engine), engine.connect() as connection:
        if writes:
            connection.execution_options(**{WRITES: True})
        with connection.begin():
            yield connection


def _someone_else_opened(
    connection: Connection,
    opening: Opening,
    alerts: Sequence[AlertRow],
    now_s: int,
    notice_state: str,
) -> Recorded:
    """The insert met an incident of the same key or group: join it, unless resolved."""
    row = connection.execute(
        _incidents()
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
    sends = _put_update(connection, row, alerts, now_s, notice_state)
    _put_alerts(connection, row.id, alerts)
    _touch(connection, row.id, now_s)
    return Recorded(Outcome.UPDATED, row.id, row.key, sends)


def _put_update(
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
    post = connection.execute(
        select(notifications.c.channel).where(
            notifications.c.incident_id == root, notifications.c.kind == INCIDENT_POST
        )
    ).first()
    if not new or post is None:
        return 0
    body: dict[str, object] = {
        "title": incident.title,
        "joined": incident.merged_into is not None,
        "alerts": [
            {"alertname": a.alertname, "service": a.service, "summary": a.summary}
            for _, a in new[:UPDATE_ALERTS]
        ],
        "more": max(0, len(new) - UPDATE_ALERTS),
    }
    key = digest(repr([key for key, _ in new]), 8)
    row = NoticeRow(post.channel, UPDATE, None, state, body, key)
    return _put_notices(connection, root, [row], now_s)


def _put_alerts(connection: Connection, incident_id: int, alerts: Sequence[AlertRow]) -> None:
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
    statement = _insert(connection, incident_alerts)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["incident_id", "fingerprint", "starts_at"],
            set_={"status": statement.excluded.status, "ends_at": statement.excluded.ends_at},
        ),
        [rows[key] for key in sorted(rows)],
    )


def _opened(opening: Opening, now_s: int) -> dict[str, Any]:
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
        "note": opening.note,
    }


def _touch(connection: Connection, incident_id: int, now_s: int) -> None:
    connection.execute(
        update(incidents).where(incidents.c.id == incident_id).values(updated_at=now_s)
    )


def _put_pages(
    connection: Connection, incident_id: int, rows: Sequence[PageRow], now_s: int
) -> int:
    values = [
        {
            "incident_id": incident_id,
            "service": row.service,
            "action": row.action,
            "team": row.team,
            "dedup_key": row.dedup_key,
            "state": row.state,
            "body": json.dumps(row.body, sort_keys=True),
        }
        | _fresh(now_s)
        for row in rows
    ]
    return _put(connection, pages, values)


def _put_notices(
    connection: Connection, incident_id: int, rows: Sequence[NoticeRow], now_s: int
) -> int:
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
        | _fresh(now_s)
        for row in rows
    ]
    return _put(connection, notifications, values)


def _put_following(connection: Connection, root: int, action: str, now_s: int) -> int:
    """Record an `action` (acknowledge, resolve) page after each of the incident's triggers.

    Answers the number to send. A dry-run trigger is followed by a dry run.
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
            t.service,
            action,
            t.team,
            t.dedup_key,
            DRY_RUN if t.state == DRY_RUN else PENDING,
            {"follows": t.id},
        )
        for t in triggers
    ]
    return _put_pages(connection, root, rows, now_s)


def _put_resolves(connection: Connection, root: int, now_s: int, notice_state: str) -> int:
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
        notices.append(NoticeRow(post.channel, RESOLVED, None, notice_state, body))
    return _put_following(connection, root, "resolve", now_s) + _put_notices(
        connection, root, notices, now_s
    )


def _fresh(now_s: int) -> dict[str, Any]:
    return {"attempts": 0, "created_at": now_s}


def _put(connection: Connection, table: Table, values: list[dict[str, Any]]) -> int:
    """Insert rows not already there; the number of new ones still to send."""
    return sum(_put_one(connection, table, value) and value["state"] == PENDING for value in values)


def _put_one(connection: Connection, table: Table, value: dict[str, Any]) -> bool:
    """Insert the row unless its unique key is there; whether it was inserted.

    Told by RETURNING: with the primary key returned implicitly, psycopg counts no rows.
    """
    insert = _insert(connection, table).values(**value).on_conflict_do_nothing()
    return connection.execute(insert.returning(table.c.id)).first() is not None


def _open_of(group_hash: str) -> Any:  # noqa: ANN401 - a SQLAlchemy Select of many columns
    return _incidents().where(
        incidents.c.group_hash == group_hash, incidents.c.resolved_at.is_(None)
    )


def _incidents() -> Any:  # noqa: ANN401 - a SQLAlchemy Select of many columns
    alerts = (
        select(func.count())
        .where(incident_alerts.c.incident_id == incidents.c.id)
        .scalar_subquery()
    )
    columns = [c for c in incidents.c if c.name != "snapshot"]
    return select(*columns, alerts.label("alerts"), incidents.c.snapshot.is_not(None).label("has"))


def _incident(row: Row[Any]) -> IncidentRecord:
    return IncidentRecord(
        id=row.id,
        key=row.key,
        status=row.status,
        symptom=row.symptom,
        cause=row.cause,
        severity=row.severity,
        title=row.title,
        opened_at=row.opened_at,
        resolved_at=row.resolved_at,
        merged_into=row.merged_into,
        paged_team=row.paged_team,
        note=row.note,
        receiver=row.receiver,
        alerts=int(row.alerts),
        has_snapshot=bool(row.has),
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
    )


def _sending(table: Table, row: Row[Any]) -> Sending:
    is_page = table is pages
    return Sending(
        id=row.id,
        incident_id=row.incident_id,
        kind=row.action if is_page else row.kind,
        target=row.service if is_page else row.channel,
        team=row.team,
        state=row.state,
        attempts=row.attempts,
        created_at=row.created_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
        body=_body(row.body),
        dedup_key=row.dedup_key if is_page else None,
        url=None if is_page else row.url,
        ref=None if is_page else row.ref,
    )


def _body(text: str) -> Mapping[str, object]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def _insert(connection: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
