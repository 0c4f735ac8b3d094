"""Answers to "Was this the cause?" kept with their incident: a later one replaces the earlier."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.adapters.store.inserts import insert_for
from bot.adapters.store.schema import incident_feedback
from topology.incidents.feedback import Answer, Feedback

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def put_answers(
    connection: Connection, incident_id: int, user: str, answers: Sequence[Answer], now_s: int
) -> None:
    """Store `user`'s answers on incident `incident_id`, replacing theirs on the same candidates."""
    if not answers:
        return
    statement = insert_for(connection, incident_feedback).values(
        [
            {
                "incident_id": incident_id,
                "user_id": user,
                "candidate": answer.candidate,
                "verdict": answer.verdict.value,
                "at": now_s,
            }
            for answer in answers
        ]
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["incident_id", "user_id", "candidate"],
            set_={"verdict": statement.excluded.verdict, "at": statement.excluded.at},
        )
    )


def read_answers(connection: Connection, incident_ids: Iterable[int]) -> list[Feedback]:
    """The answers stored on the incidents `incident_ids`, oldest first."""
    ids = sorted(set(incident_ids))
    if not ids:
        return []
    table = incident_feedback.c
    query = (
        select(table.incident_id, table.user_id, table.candidate, table.verdict, table.at)
        .where(table.incident_id.in_(ids))
        .order_by(table.incident_id, table.at, table.user_id, table.candidate)
    )
    return [Feedback(*row) for row in connection.execute(query)]
