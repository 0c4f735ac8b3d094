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

from sqlalchemy import Table, and_, case, exists, func, or_, select, update

from bot.adapters.store.engine import WRITES
from bot.adapters.store.incident_feedback import put_answers, read_answers
from bot.adapters.store.incident_reads import (
    FIRING_OF_THEIR_OWN,
    GROUPED_FIRING,
    incident_of,
    select_episodes,
    select_incident,
    select_incidents,
    select_latest,
    select_open,
    select_paged_open,
    select_recent,
    sending_of,
)
from bot.adapters.store.incident_rows import (
    CAUSE,
    DRY_RUN,
    FAILED,
    INCIDENT_POST,
    MANUAL,
    PENDING,
    RESOLVED,
    SENT,
    UPDATE,
    Acknowledgement,
    AlertRow,
    IncidentRecord,
    Opening,
    Outcome,
    PageRow,
    Recorded,
    Sending,
    SurePage,
    teams_by_incident,
)
from bot.adapters.store.incident_writes import (
    SUMMARY_EVERY_S,
    ResolveClaimedError,
    fired_since,
    fresh,
    join_found,
    joining,
    lock_grouping,
    may_reopen,
    opened_values,
    page_values,
    put_added_page,
    put_alerts,
    put_firing,
    put_following,
    put_notices,
    put_one,
    put_pages,
    put_resolves,
    put_update,
    touch,
)
from bot.adapters.store.inserts import insert_for
from bot.adapters.store.repository import reported
from bot.adapters.store.schema import incident_alerts, incidents, notifications, pages
from topology.incidents.decide import (
    GROUP_WINDOW_S,
    Episode,
    PagedIncident,
    RecentIncident,
    join_target,
    paged_already,
)
from topology.incidents.feedback import Answer, Feedback
from topology.incidents.model import Outbox

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

_ERROR_CHARS = 500


TABLES: Mapping[Outbox, Table] = {Outbox.PAGES: pages, Outbox.POSTS: notifications}
"""The table holding each outbox's rows."""


class IncidentLog:
    """The incident tables of one database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def open_for_group(self, group_hash: str) -> IncidentRecord | None:
        """The open incident of a group, or None."""
        with self._read() as connection:
            row = connection.execute(select_open(group_hash)).first()
        return None if row is None else incident_of(row)

    def by_key(self, key: str) -> IncidentRecord | None:
        """The incident with `key`, open or not."""
        with self._read() as connection:
            row = connection.execute(select_incidents().where(incidents.c.key == key)).first()
        return None if row is None else incident_of(row)

    def incident(self, incident_id: int) -> IncidentRecord | None:
        """Incident `incident_id`, or None."""
        with self._read() as connection:
            row = connection.execute(select_incident(incident_id)).first()
        return None if row is None else incident_of(row)

    def recent_open(self, since_s: int) -> list[RecentIncident]:
        """Incidents of their own opened from `since_s` by alerts, firing or with a group firing."""
        with self._read() as connection:
            return [RecentIncident(*row) for row in connection.execute(select_recent(since_s))]

    def episodes(self, symptom: str, since_s: int) -> list[Episode]:
        """The incidents of their own on `symptom` opened by alerts from `since_s`."""
        with self._read() as connection:
            return [Episode(*row) for row in connection.execute(select_episodes(symptom, since_s))]

    def record_firing(
        self,
        opening: Opening,
        alerts: Sequence[AlertRow],
        *,
        now_s: int,
        notice_state: str = DRY_RUN,
        related: frozenset[str] | None = None,
        explained_by: frozenset[str] = frozenset(),
    ) -> Recorded:
        """Open the incident `opening` describes, or add the alerts to the group's open one.

        All or nothing: the incident, its alerts, pages, posts and snapshot together.
        Alerts new to an incident already posted record a reply in the post's thread,
        in `notice_state`. A notification of an incident already resolved (a late
        redelivery) changes nothing.

        With `related` (the services related on the map to the opening's symptom), whether
        a new group joins an open incident (`join_target`: the storm cap, related symptoms)
        is decided again here, holding the grouping lock, on what is committed now: an
        opening decided on an older reading joins instead when it must, so replicas
        receiving a storm at once never open more incidents than the cap. An opening that
        would page a team an incident still firing paged about the same likely cause, or
        one that incident explains (its symptom or likely cause in `explained_by`), joins
        that incident instead (`paged_already`), however long ago it opened.
        """
        with self._write() as connection:
            if related is not None:
                lock_grouping(connection)
            found = connection.execute(select_open(opening.group_hash)).first()
            if found is not None:
                return put_firing(connection, found, alerts, now_s, notice_state)
            if related is not None and opening.merged_into is None:
                recent = connection.execute(select_recent(now_s - GROUP_WINDOW_S))
                target = join_target(
                    opening.symptom, related, [RecentIncident(*r) for r in recent], now_s
                )
                if target is None:
                    paged = connection.execute(select_paged_open())
                    target = paged_already(
                        opening.cause,
                        opening.paged_team,
                        [PagedIncident(*r) for r in paged],
                        explained_by=explained_by,
                    )
                if target is not None:
                    opening = joining(opening, target)
            statement = insert_for(connection, incidents).values(
                **opened_values(opening, now_s),
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
                return join_found(connection, opening, alerts, now_s, notice_state)
            if opening.merged_into is not None:
                joined = connection.execute(select_incident(new_id)).one()
                sends = put_update(connection, joined, alerts, now_s, notice_state)
            else:
                sends = 0
            put_alerts(connection, new_id, alerts)
            sends += put_pages(connection, new_id, opening.pages, now_s)
            sends += put_notices(connection, new_id, opening.notices, now_s)
            outcome = Outcome.OPENED if opening.merged_into is None else Outcome.JOINED
            return Recorded(outcome, new_id, opening.key, sends)

    def reopen_held(
        self,
        group_hash: str,
        alerts: Sequence[AlertRow],
        *,
        now_s: int,
        since_s: int,
        notice_state: str,
    ) -> Recorded | None:
        """Fire the group's incident again if it resolved from `since_s` and nothing told so.

        An alert that flaps resolves and fires again while its fault lasts. The group's
        last incident fires again (no new incident, no new page; the alerts new to it are
        replied in its post's thread; outcome `reopened`) when
        - the incidents joined with it (or it joined) all resolved, the last at `since_s`
          or later, and none of their resolves or their all-clear was tried yet (they are
          held, see `record_resolved`): they are taken back;
        - or one of them fires on, and it resolved itself at `since_s` or later.
        None otherwise, changing nothing: the group opens as new.
        """
        with self._read() as connection:  # a group never seen before (most): no write
            if connection.execute(select_latest(group_hash)).first() is None:
                return None
        try:
            with self._write() as connection:
                lock_grouping(connection)
                last = connection.execute(select_latest(group_hash)).first()
                if last is None:
                    return None
                if last.resolved_at is None:  # reopened meanwhile (another replica)
                    return put_firing(connection, last, alerts, now_s, notice_state)
                if not may_reopen(connection, last, since_s):
                    return None
                connection.execute(
                    update(incidents)
                    .where(incidents.c.id == last.id)
                    .values(status="firing", resolved_at=None)
                )
                return put_firing(
                    connection, last, alerts, now_s, notice_state, outcome=Outcome.REOPENED
                )
        except ResolveClaimedError:
            return None

    def record_resolved(
        self,
        group_hash: str,
        alerts: Sequence[AlertRow],
        *,
        now_s: int,
        all_resolved: bool,
        notice_state: str,
        hold_s: int,
    ) -> Recorded:
        """Note resolved alerts; when the incident and all joined to it are resolved, resolve.

        Resolving records a resolve for every trigger sent or still to send (a dry-run
        trigger gets a dry-run resolve), and an all-clear where the incident was posted,
        each held `hold_s` seconds before it is sent (`reopen_held` takes them back). A
        late notification of alerts that have all fired again since (`fired_since`)
        resolves nothing.
        """
        with self._write() as connection:
            found = connection.execute(select_open(group_hash)).first()
            if found is None:
                latest = connection.execute(select_latest(group_hash)).first()
                if latest is None:
                    return Recorded(Outcome.UNKNOWN)
                return Recorded(Outcome.STALE, latest.id, latest.key)
            superseded = fired_since(connection, found.id, alerts)
            put_alerts(connection, found.id, alerts)
            touch(connection, found.id, now_s)
            if superseded:
                return Recorded(Outcome.STALE, found.id, found.key)
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
                sends = put_resolves(connection, root, now_s, notice_state, hold_s=hold_s)
            return Recorded(Outcome.RESOLVED, found.id, found.key, sends)

    def due(self, outbox: Outbox, *, now_s: int, limit: int = 100) -> list[Sending]:
        """The pages or posts (`outbox`) to send now, oldest first.

        An acknowledge or resolve waits while its trigger is still to be sent; a reply in
        an incident post's thread (or its all-clear) while the post is.
        """
        table = TABLES[outbox]
        conditions = [
            table.c.state == PENDING,
            or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now_s),
            or_(table.c.claimed_until.is_(None), table.c.claimed_until < now_s),
        ]
        if table is notifications:
            post = notifications.alias("post")
            conditions.append(
                or_(
                    notifications.c.kind.not_in((UPDATE, RESOLVED, CAUSE)),
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
            return [sending_of(table, row) for row in connection.execute(query)]

    def claim(self, outbox: Outbox, row_id: int, *, holder: str, now_s: int, ttl_s: int) -> bool:
        """Take row `row_id` of `outbox` to send, counting an attempt; False if another has it."""
        table = TABLES[outbox]
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

    def release(self, outbox: Outbox, row_id: int, *, holder: str) -> bool:
        """Free row `row_id` to send now, if it is still pending under `holder`'s claim.

        For a sender known to have died mid-send: its claim would otherwise hold the row
        (and whatever waits on it) until it lapsed. `claimed_by` stays, telling the next
        sender that this send may have reached its recipient.
        """
        table = TABLES[outbox]
        with self._write() as connection:
            result = connection.execute(
                update(table)
                .where(table.c.id == row_id, table.c.state == PENDING, table.c.claimed_by == holder)
                .values(claimed_until=None)
            )
            return result.rowcount == 1

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
        """Record how sending a claimed row went: sent, failed, or pending until `retry_at`.

        A post sent with `sent_body` whose body changed meanwhile (a summary reply that
        took more alerts) stays pending, to be edited again `SUMMARY_EVERY_S` later.
        """
        table = TABLES[outbox]
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
            if sent_body is not None:
                same = notifications.c.body == json.dumps(sent_body, sort_keys=True)
                values["state"] = case((same, SENT), else_=PENDING)
                values["next_attempt_at"] = case((same, None), else_=now_s + SUMMARY_EVERY_S)
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
        return None if row is None else sending_of(notifications, row)

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
            row = connection.execute(select_incident(incident_id)).first()
            pages_added = (
                put_following(connection, incident_id, "acknowledge", now_s) if first else 0
            )
        return Acknowledgement(None if row is None else incident_of(row), pages_added)

    def open_manual(self, opening: Opening, *, now_s: int) -> IncidentRecord:
        """The incident a person opened from Slack under `opening.key`: opened once, kept open.

        It is never grouped with alerts, and alerts never join it.
        """
        with self._write() as connection:
            connection.execute(
                insert_for(connection, incidents)
                .values(**opened_values(opening, now_s), receiver=MANUAL, status="manual")
                .on_conflict_do_nothing()
            )
            row = connection.execute(select_incidents().where(incidents.c.key == opening.key)).one()
        return incident_of(row)

    def record_page(self, incident_id: int, page: PageRow, *, now_s: int) -> bool:
        """Record `page` for incident `incident_id`; False when it was recorded before.

        A page recorded before that failed, or was a dry run while `page` is to be sent,
        is recorded again: asked again, it is tried again.
        """
        values = page_values(incident_id, page)
        renewable = [FAILED, DRY_RUN] if page.state == PENDING else [FAILED]
        with self._write() as connection:
            if put_one(connection, pages, values | fresh(now_s)):
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
                    **values | fresh(now_s),
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
        query = select_incidents().order_by(incidents.c.id.desc()).limit(limit)
        with self._read() as connection:
            return [incident_of(row) for row in connection.execute(query)]

    def sendings(
        self, outbox: Outbox, *, incident_id: int | None = None, limit: int = 50
    ) -> list[Sending]:
        """The latest pages or posts (`outbox`), newest first; of one incident when given."""
        table = TABLES[outbox]
        query = select(table).order_by(table.c.id.desc()).limit(limit)
        if incident_id is not None:
            query = query.where(table.c.incident_id == incident_id)
        with self._read() as connection:
            return [sending_of(table, row) for row in connection.execute(query)]

    def record_answers(
        self, incident_id: int, user: str, answers: Sequence[Answer], *, now_s: int
    ) -> None:
        """Keep `user`'s answers to "Was this the cause?"; each replaces their earlier one."""
        with self._write() as connection:
            put_answers(connection, incident_id, user, answers, now_s)

    def answers(self, incident_ids: Sequence[int]) -> list[Feedback]:
        """The answers to "Was this the cause?" kept with the incidents `incident_ids`."""
        with self._read() as connection:
            return read_answers(connection, incident_ids)

    def paged_teams(self, incident_ids: Sequence[int]) -> dict[int, list[str]]:
        """The teams the incidents `incident_ids` paged, or page, first paged first."""
        query = (
            select(pages.c.incident_id, pages.c.team)
            .where(
                pages.c.incident_id.in_(sorted(set(incident_ids))),
                pages.c.action == "trigger",
                pages.c.state != FAILED,
                pages.c.team.is_not(None),
            )
            .order_by(pages.c.incident_id, pages.c.id)
        )
        with self._read() as connection:
            return teams_by_incident(connection.execute(query))

    def save_snapshot(self, incident_id: int, data: bytes, *, cause: str | None = None) -> None:
        """Keep `data` as the snapshot of incident `incident_id`, and `cause` if given."""
        values: dict[str, Any] = {"snapshot": data}
        if cause is not None:
            values["cause"] = cause
        with self._write() as connection:
            connection.execute(
                update(incidents).where(incidents.c.id == incident_id).values(**values)
            )

    def record_sure_page(
        self, incident_id: int, sure: SurePage, *, now_s: int, notice_state: str
    ) -> bool:
        """Record `sure`'s page to the owners of a cause now sure of; whether it was.

        Only while incident `incident_id` is still firing (`FIRING_OF_THEIR_OWN`) and its
        paged team is still `sure.paged_first` (what the page was decided on; replicas
        deciding at once record it once), and only to a team it paged nothing yet. With
        it: the reply in the incident post's thread, and the incident's paged team and
        likely cause become the page's.
        """
        page = sure.page
        with self._write() as connection:
            current = connection.execute(
                select(incidents.c.paged_team).where(
                    incidents.c.id == incident_id, *FIRING_OF_THEIR_OWN
                )
            ).first()
            if current is None or current.paged_team != sure.paged_first:
                return False
            if not put_added_page(
                connection,
                incident_id,
                page,
                sure.reply,
                key=CAUSE,
                now_s=now_s,
                notice_state=notice_state,
            ):
                return False
            connection.execute(
                update(incidents)
                .where(incidents.c.id == incident_id)
                .values(paged_team=page.team, cause=page.service)
            )
            return True

    def record_joined_page(
        self,
        incident_id: int,
        page: PageRow,
        reply: Mapping[str, object],
        *,
        now_s: int,
        notice_state: str,
    ) -> bool:
        """Record the page a group joining incident `incident_id` adds; whether it was.

        Only while the incident is still firing (`FIRING_OF_THEIR_OWN`), and only to a team
        it paged nothing yet. With it, `reply` in the incident post's thread.
        """
        with self._write() as connection:
            firing = connection.execute(
                select(incidents.c.id).where(incidents.c.id == incident_id, *FIRING_OF_THEIR_OWN)
            ).first()
            return firing is not None and put_added_page(
                connection,
                incident_id,
                page,
                reply,
                key=f"joined:{page.service}",
                now_s=now_s,
                notice_state=notice_state,
            )

    def claim_evidence(
        self, incident_id: int, *, now_s: int, every_s: int
    ) -> IncidentRecord | None:
        """Incident `incident_id` when its evidence is due to be made again, noted as made now.

        Due while it is open, or a group joined to it fires on, and its evidence was made
        `every_s` seconds ago or more (or never). One statement decides, so of callers at
        once (replicas) one gets it.
        """
        due = (
            update(incidents)
            .where(
                incidents.c.id == incident_id,
                or_(incidents.c.resolved_at.is_(None), GROUPED_FIRING),
                or_(
                    incidents.c.evidence_at.is_(None),
                    incidents.c.evidence_at <= now_s - every_s,
                ),
            )
            .values(evidence_at=now_s)
        )
        with self._write() as connection:
            if connection.execute(due).rowcount != 1:
                return None
            row = connection.execute(select_incident(incident_id)).first()
        return None if row is None else incident_of(row)

    def unsaved(self, *, since_s: int, before_s: int, limit: int) -> list[IncidentRecord]:
        """Incidents opened from `since_s` to before `before_s` whose evidence was never saved.

        Those opened on their own with a symptom, no snapshot, and their evidence not made
        again since they opened: a snapshot lost with the process that was to save it.
        Oldest first.
        """
        query = (
            select_incidents()
            .where(
                incidents.c.opened_at >= since_s,
                incidents.c.opened_at < before_s,
                incidents.c.merged_into.is_(None),
                incidents.c.symptom.is_not(None),
                incidents.c.snapshot.is_(None),
                incidents.c.evidence_at == incidents.c.opened_at,
            )
            .order_by(incidents.c.opened_at, incidents.c.id)
            .limit(limit)
        )
        with self._read() as connection:
            return [incident_of(row) for row in connection.execute(query)]

    def claim_unsaved(self, incident_id: int, *, now_s: int) -> bool:
        """Take incident `incident_id`'s lost snapshot to make again; False when another has.

        One statement decides (its evidence is noted as made now), so it is made once.
        """
        claim = (
            update(incidents)
            .where(
                incidents.c.id == incident_id,
                incidents.c.snapshot.is_(None),
                incidents.c.evidence_at == incidents.c.opened_at,
            )
            .values(evidence_at=now_s)
        )
        with self._write() as connection:
            return connection.execute(claim).rowcount == 1

    def snapshot(self, incident_id: int) -> bytes | None:
        """The snapshot saved with incident `incident_id`, or None."""
        query = select(incidents.c.snapshot).where(incidents.c.id == incident_id)
        with self._read() as connection:
            data = connection.execute(query).scalar()
        return None if data is None else bytes(data)

    def _read(self) -> AbstractContextManager[Connection]:
        return transaction(self._engine, writes=False)

    def _write(self) -> AbstractContextManager[Connection]:
        return transaction(self._engine, writes=True)


@contextmanager
def transaction(engine: Engine, *, writes: bool) -> Iterator[Connection]:
    """A connection in a transaction; database failures come out as StoreErrors."""
    with reported(engine), engine.connect() as connection:
        if writes:
            connection.execution_options(**{WRITES: True})
        with connection.begin():
            yield connection
