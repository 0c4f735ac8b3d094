"""Stable keys: of an incident (one episode of an Alertmanager group) and of its pages."""

from __future__ import annotations

import re
from hashlib import blake2b

from topology.incidents.model import AlertGroup

_SAFE = re.compile(r"[^A-Za-z0-9._-]")
_SERVICE_CHARS = 80


def digest(text: str, size: int = 6) -> str:
    """A short hex digest of `text`."""
    return blake2b(text.encode(), digest_size=size).hexdigest()


def incident_key(group: AlertGroup) -> str:
    """The key of the episode this group's notification opens: the group and its first start.

    Every replica computes the same key from the same notification, and a notification
    sent again after the group resolved maps to the incident it already opened.
    """
    starts = min(alert.starts_at for alert in (group.firing or group.alerts))
    return f"{digest(group.group_key)}-{starts}"


def dedup_key(incident: str, service: str) -> str:
    """The paging dedup key of `service` in incident `incident`: stable, short, plain ASCII."""
    safe = _SAFE.sub("_", service)[:_SERVICE_CHARS]
    if safe != service:
        safe = f"{safe}~{digest(service, 4)}"
    return f"svcmap/{incident}/{safe}"
