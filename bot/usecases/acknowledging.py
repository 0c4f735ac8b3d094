"""A person acknowledges an incident from its post: noted once, and the post shows it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.bootstrap import App
from bot.usecases.dispatching import incident_facts
from topology.store.incident_rows import IncidentRecord, Sending


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """Who acknowledged (the first to press), and the post to show it on with its body now."""

    incident: IncidentRecord | None
    first: bool = False
    post: Sending | None = None
    body: Mapping[str, object] = field(default_factory=dict)


def acknowledge(app: App, incident_id: int, *, user: str) -> Acknowledged:
    """Note `user` as acknowledging incident `incident_id` unless someone did before."""
    incident = app.incidents.incident(incident_id)
    if incident is None:
        return Acknowledged(None)
    root = incident.merged_into or incident.id
    record = app.incidents.acknowledge(root, user=user, now_s=app.now())
    if record is None:
        return Acknowledged(None)
    post = app.incidents.post_of(root)
    body: dict[str, object] = {}
    if post is not None:
        body = {**post.body, **incident_facts(record), "resolved_at": record.resolved_at}
    return Acknowledged(record, record.acknowledged_by == user, post, body)
