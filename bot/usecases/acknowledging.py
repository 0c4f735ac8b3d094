"""A person acknowledges an incident from its post.

It is noted once, the post shows it, and the owners' pages about it are acknowledged in
the paging service too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.adapters.store.incident_rows import IncidentRecord, Sending
from bot.adapters.store.ports import Acknowledgements
from bot.usecases.dispatching import incident_facts


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """Who acknowledged (the first to press), and what follows from it.

    The post to show it on, with its body now; whether acknowledge pages wait to be sent.
    """

    incident: IncidentRecord | None
    first: bool = False
    post: Sending | None = None
    body: Mapping[str, object] = field(default_factory=dict)
    to_send: bool = False


def acknowledge(log: Acknowledgements, incident_id: int, *, user: str, now_s: int) -> Acknowledged:
    """Note `user` as acknowledging incident `incident_id` in `log` unless someone did before."""
    incident = log.incident(incident_id)
    if incident is None:
        return Acknowledged(None)
    root = incident.merged_into or incident.id
    done = log.acknowledge(root, user=user, now_s=now_s)
    record = done.incident
    if record is None:
        return Acknowledged(None)
    post = log.post_of(root)
    body: dict[str, object] = {}
    if post is not None:
        body = {**post.body, **incident_facts(record), "resolved_at": record.resolved_at}
    first = record.acknowledged_by == user
    return Acknowledged(record, first, post, body, to_send=done.pages_to_send > 0)
