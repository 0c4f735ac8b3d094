"""Reading the incident tables: the select of incidents and the records made of rows."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, and_, exists, func, or_, select, union_all

from bot.adapters.store.incident_rows import IncidentRecord, Sending
from bot.adapters.store.schema import incident_alerts, incidents, pages

if TYPE_CHECKING:
    from sqlalchemy.engine import Row


def select_open(group_hash: str) -> Any:  # noqa: ANN401 - a SQLAlchemy Select of many columns
    """The open incident of a group."""
    return select_incidents().where(
        incidents.c.group_hash == group_hash, incidents.c.resolved_at.is_(None)
    )


def select_latest(group_hash: str) -> Any:  # noqa: ANN401 - a SQLAlchemy Select of many columns
    """The latest incident of a group, open or not."""
    return (
        select_incidents()
        .where(incidents.c.group_hash == group_hash)
        .order_by(incidents.c.id.desc())
        .limit(1)
    )


def select_recent(since_s: int) -> Any:  # noqa: ANN401 - a SQLAlchemy Select
    """Incidents of their own opened by alerts from `since_s`, still `FIRING_OF_THEIR_OWN`."""
    return select(incidents.c.id, incidents.c.symptom, incidents.c.opened_at).where(
        *FIRING_OF_THEIR_OWN, incidents.c.opened_at >= since_s
    )


def select_episodes(symptom: str, since_s: int) -> Any:  # noqa: ANN401 - a SQLAlchemy Select
    """Incidents of their own on `symptom` opened by alerts from `since_s`: opened, resolved."""
    return select(incidents.c.opened_at, incidents.c.resolved_at).where(
        incidents.c.symptom == symptom,
        incidents.c.merged_into.is_(None),
        incidents.c.status.in_(("firing", "resolved")),
        incidents.c.opened_at >= since_s,
    )


def select_paged_open() -> Any:  # noqa: ANN401 - a SQLAlchemy Select
    """Incidents of their own still firing, per team they paged, as `PagedIncident` reads them.

    A row per team and what it was paged about: the incident's likely cause, and the
    service its page named (a group that joined paged its own service's owners).
    """
    triggers = incidents.join(
        pages, and_(pages.c.incident_id == incidents.c.id, pages.c.action == "trigger")
    )
    return union_all(
        *(
            select(
                incidents.c.id,
                about,
                pages.c.team,
                incidents.c.opened_at,
                incidents.c.symptom,
            )
            .select_from(triggers)
            .where(*FIRING_OF_THEIR_OWN, pages.c.team.is_not(None))
            for about in (incidents.c.cause, pages.c.service)
        )
    )


_MEMBER = incidents.alias("member")
GROUPED_FIRING = exists().where(
    _MEMBER.c.merged_into == incidents.c.id,
    _MEMBER.c.resolved_at.is_(None),
    _MEMBER.c.status == "firing",
)
"""Some group joined to the incident fires on: its own alert may have resolved meanwhile."""
FIRING_OF_THEIR_OWN = (
    incidents.c.merged_into.is_(None),
    or_(
        and_(incidents.c.resolved_at.is_(None), incidents.c.status == "firing"),
        GROUPED_FIRING,
    ),
)
"""Incidents that joined no other, still firing: their own alert, or a group joined to them.

An incident whose alert resolved while groups it grouped fire on still stands for the
fault: its pages are not resolved. It is followed, pages once sure and is joined as one
still firing, until the last alert of the family resolves (`record_resolved`).
"""


def select_incidents() -> Any:  # noqa: ANN401 - a SQLAlchemy Select of many columns
    """Incidents with their number of alerts and whether a snapshot is kept, not the snapshot."""
    alerts = (
        select(func.count())
        .where(incident_alerts.c.incident_id == incidents.c.id)
        .scalar_subquery()
    )
    columns = [c for c in incidents.c if c.name != "snapshot"]
    return select(*columns, alerts.label("alerts"), incidents.c.snapshot.is_not(None).label("has"))


def select_incident(incident_id: int) -> Any:  # noqa: ANN401 - a SQLAlchemy Select
    """Incident `incident_id`, as `select_incidents` reads it."""
    return select_incidents().where(incidents.c.id == incident_id)


def incident_of(row: Row[Any]) -> IncidentRecord:
    """The record of a row of `select_incidents`."""
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


def sending_of(table: Table, row: Row[Any]) -> Sending:
    """The record of a row of `table`, pages or notifications."""
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
        body=body_of(row.body),
        dedup_key=row.dedup_key if is_page else None,
        url=None if is_page else row.url,
        ref=None if is_page else row.ref,
        claimed_by=row.claimed_by,
        not_before=row.next_attempt_at,
    )


def body_of(text: str) -> Mapping[str, object]:
    """A stored JSON body; anything but an object reads as an empty one."""
    value = json.loads(text)
    return value if isinstance(value, dict) else {}
