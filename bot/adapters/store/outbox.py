"""The alert outbox: each notification stored as received, then claimed by one worker.

A notification is answered once its row is committed; a worker claims the oldest row
it may work (never a group's later notification while an earlier one waits), records
it, and deletes it. A claim is a lease: the row of a worker that died is claimed again
once `claimed_until` has passed; one a stopping worker could not finish is released.
On Postgres replicas claim with `FOR UPDATE SKIP LOCKED`, so two never take the same
row nor wait on each other; SQLite has one writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import and_, delete, exists, func, or_, select, update

from bot.adapters.store.incidents import transaction
from bot.adapters.store.schema import alert_outbox

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

PENDING, FAILED = "pending", "failed"
_ERROR_CHARS = 500


@dataclass(frozen=True, slots=True)
class Entry:
    """One notification claimed to work: its body as received, and its tries so far."""

    id: int
    group_hash: str
    body: bytes
    received_at: int
    attempts: int


class AlertOutbox:
    """The outbox table of one database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def put(self, body: bytes, *, group_hash: str, now_s: int, limit: int) -> int | None:
        """Store a notification to work; its id, or None when `limit` already wait."""
        if self.depth() >= limit:
            return None
        values = {
            "group_hash": group_hash,
            "body": body,
            "received_at": now_s,
            "state": PENDING,
            "attempts": 0,
        }
        with transaction(self._engine, writes=True) as connection:
            statement = alert_outbox.insert().values(**values).returning(alert_outbox.c.id)
            return int(connection.execute(statement).scalar_one())

    def depth(self) -> int:
        """Notifications waiting to be worked (a failed one no longer waits)."""
        query = select(func.count()).where(alert_outbox.c.state == PENDING)
        with transaction(self._engine, writes=False) as connection:
            return int(connection.execute(query).scalar_one())

    def claim(self, *, holder: str, now_s: int, lease_s: int) -> Entry | None:
        """Take the oldest notification free to work until `now_s + lease_s`; None if none."""
        table = alert_outbox
        earlier = table.alias("earlier")
        query = (
            select(table)
            .where(
                table.c.state == PENDING,
                or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now_s),
                or_(table.c.claimed_until.is_(None), table.c.claimed_until < now_s),
                ~exists().where(
                    and_(
                        earlier.c.group_hash == table.c.group_hash,
                        earlier.c.id < table.c.id,
                        earlier.c.state == PENDING,
                    )
                ),
            )
            .order_by(table.c.id)
            .limit(1)
        )
        with transaction(self._engine, writes=True) as connection:
            if connection.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=table)
            row = connection.execute(query).first()
            if row is None:
                return None
            connection.execute(
                update(table)
                .where(table.c.id == row.id)
                .values(
                    claimed_until=now_s + lease_s,
                    claimed_by=holder,
                    attempts=table.c.attempts + 1,
                )
            )
        return Entry(
            id=row.id,
            group_hash=row.group_hash,
            body=bytes(row.body),
            received_at=row.received_at,
            attempts=row.attempts + 1,
        )

    def done(self, entry_id: int, *, holder: str) -> bool:
        """Delete a worked notification; False when the claim had passed to another."""
        with transaction(self._engine, writes=True) as connection:
            result = connection.execute(
                delete(alert_outbox).where(
                    alert_outbox.c.id == entry_id, alert_outbox.c.claimed_by == holder
                )
            )
            return result.rowcount == 1

    def release(self, entry_id: int, *, holder: str) -> bool:
        """Free a notification `holder` claimed and did not finish, for any worker to take now.

        The try it was claimed for is not counted. False when the claim had passed to another.
        """
        table = alert_outbox
        with transaction(self._engine, writes=True) as connection:
            result = connection.execute(
                update(table)
                .where(table.c.id == entry_id, table.c.claimed_by == holder)
                .values(claimed_until=None, claimed_by=None, attempts=table.c.attempts - 1)
            )
            return result.rowcount == 1

    def failed(self, entry_id: int, *, holder: str, error: str, retry_at: int | None) -> None:
        """Note a failed try: to try again from `retry_at`, or (None) failed for good."""
        values = {
            "state": PENDING if retry_at is not None else FAILED,
            "next_attempt_at": retry_at,
            "claimed_until": None,
            "claimed_by": None,
            "last_error": error[:_ERROR_CHARS],
        }
        with transaction(self._engine, writes=True) as connection:
            connection.execute(
                update(alert_outbox)
                .where(alert_outbox.c.id == entry_id, alert_outbox.c.claimed_by == holder)
                .values(**values)
            )
