"""A person pages owners from Slack: recorded like an alert's page, sent by the dispatcher.

The page is written with its unique key (incident, service, trigger) before anything is
sent, so pressing twice records it once; the paging mode is honoured (`off` pages
nobody, `dry-run` records without sending).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.adapters.store.incident_rows import IncidentRecord, Opening, PageRow
from bot.adapters.store.ports import ManualPages
from topology.incidents.keys import dedup_key, digest
from topology.incidents.model import PagingMode, SendState, Severity
from topology.ownership import Catalog, Team

SUMMARY_CHARS = 1024


@dataclass(frozen=True, slots=True)
class PagingDesk:
    """What paging by hand uses: the incident log, the catalog, the paging mode, the time."""

    log: ManualPages
    catalog: Catalog
    mode: PagingMode
    now_s: int


@dataclass(frozen=True, slots=True)
class Paged:
    """What pressing "Page owners" did: whether a page waits to be sent, and what to say."""

    to_send: bool
    text: str


def page_for_incident(desk: PagingDesk, incident_id: int, service: str, *, by: str | None) -> Paged:
    """Page the owners of `service` about incident `incident_id`, saying it was asked `by` whom.

    Only the incident's alerted service and its top cause may be named: the value comes
    from a button, so it is not trusted. `by` (a name, or None to name nobody) is sent.
    """
    incident = desk.log.incident(incident_id)
    if incident is None:
        return Paged(False, "that incident is not in svcmap's incident log")
    if incident.merged_into is not None:
        incident = desk.log.incident(incident.merged_into) or incident
    if service not in (incident.symptom, incident.cause):
        return Paged(False, "only the owners of the incident's services can be paged from it")
    if incident.resolved_at is not None:
        return Paged(False, f"incident {incident.key} is resolved; nobody is paged")
    return _page(desk, incident, service, by=by)


def page_for_answer(
    desk: PagingDesk, service: str, *, by: str | None, channel: str, message: str
) -> Paged:
    """Page the owners of `service` from an answer: one incident per answered message."""
    where = f"{channel}:{message}"
    key = f"slack-{digest(where, 8)}"
    opening = Opening(
        key=key,
        group_hash=key,
        group_key=f"slack:{where}",
        receiver="slack",
        symptom=service,
        cause=service,
        severity=Severity.CRITICAL.value,
        title=f"{service}: owners paged from Slack",
        note="paged by a person from a /svcmap answer",
    )
    if desk.mode is PagingMode.OFF:
        return Paged(False, "paging is off (SVCMAP_PAGING_MODE), so nobody can be paged")
    if _pageable(desk.catalog, service) is None:
        return Paged(False, f"no owner of {service} has a PagerDuty routing key")
    incident = desk.log.open_manual(opening, now_s=desk.now_s)
    return _page(desk, incident, service, by=by)


def _page(desk: PagingDesk, incident: IncidentRecord, service: str, *, by: str | None) -> Paged:
    mode = desk.mode
    if mode is PagingMode.OFF:
        return Paged(False, "paging is off (SVCMAP_PAGING_MODE), so nobody can be paged")
    team = _pageable(desk.catalog, service)
    if team is None:
        return Paged(False, f"no owner of {service} has a PagerDuty routing key")
    state = SendState.DRY_RUN if mode is PagingMode.DRY_RUN else SendState.PENDING
    summary = f"{incident.title} (paged from Slack{f' by {by}' if by else ''})"
    details: dict[str, object] = {"paged_from": "slack", "incident": incident.key}
    if by:
        details["paged_from_slack_by"] = by
    body: dict[str, object] = {
        "summary": summary[:SUMMARY_CHARS],
        "source": incident.symptom or service,
        "severity": incident.severity,
        "component": service,
        "details": details,
    }
    row = PageRow(
        service=service,
        action="trigger",
        team=team.name,
        dedup_key=dedup_key(incident.key, service),
        state=state.value,
        body=body,
    )
    if not desk.log.record_page(incident.id, row, now_s=desk.now_s):
        return Paged(False, f"{team.name} was already paged about {service} for this incident")
    if state is SendState.DRY_RUN:
        return Paged(False, f"dry-run: would page {team.name} about {service} (paging mode)")
    return Paged(True, f"paging {team.name} about {service}")


def _pageable(catalog: Catalog, service: str) -> Team | None:
    team = catalog.team_of(service)
    return team if team is not None and team.pagerduty_routing_key else None
