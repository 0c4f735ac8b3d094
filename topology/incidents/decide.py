"""The decisions an alert leads to: which service it is about, whom to page, whom to tell.

Pure: the map, the ranking and the catalog come in, decisions go out; nothing is sent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from topology.graph import ServiceGraph
from topology.incidents.keys import dedup_key
from topology.incidents.model import AlertGroup, PagingMode, Severity
from topology.ownership import Catalog, Team
from topology.queries.blast import blast_radius
from topology.queries.levels import walk

GROUP_WINDOW_S = 300
"""A new group joins an open incident opened this recently when they are related."""

STORM_LIMIT = 3
"""Incidents opened within the window beyond which every new group joins the newest one."""

REFIRE_S = 900
"""An alert on a service firing again this soon after its last incident resolved is the
same fault still there (a flapping alert): ranked from that incident's start."""


class NoticeKind(StrEnum):
    """What a Slack notice is: the incident post, a word to an upstream team, the all-clear."""

    INCIDENT = "incident"
    UPSTREAM = "upstream"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class RecentIncident:
    """An open incident, as grouping needs it."""

    id: int
    symptom: str | None
    opened_at: int


@dataclass(frozen=True, slots=True)
class PagedIncident:
    """An open incident of its own and a team it paged, about `cause`: as joining it needs."""

    id: int
    cause: str | None
    paged_team: str
    opened_at: int
    symptom: str | None = None


@dataclass(frozen=True, slots=True)
class Episode:
    """An incident of its own on a service: when it opened, and resolved (None while open)."""

    opened_at: int
    resolved_at: int | None


@dataclass(frozen=True, slots=True)
class PageOrder:
    """Page `team` about `service` under `dedup_key`; `reason` says why this team."""

    service: str
    team: str
    dedup_key: str
    severity: Severity
    reason: str


@dataclass(frozen=True, slots=True)
class NoticeOrder:
    """Tell `channel` (of `team`, None for the incident channel) about `services`."""

    kind: NoticeKind
    channel: str
    team: str | None
    services: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    """What an incident's first notification leads to; `note` says why nobody is paged."""

    cause: str | None
    page: PageOrder | None
    notices: tuple[NoticeOrder, ...]
    affected_teams: tuple[str, ...]
    note: str | None = None
    affected_services: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    """Candidates named as likely but not confirmed: the ranking was not confident."""


def symptom_of(group: AlertGroup, labels: Sequence[str]) -> str | None:
    """The service most of the group's alerts name, by the first of `labels` each one has."""
    counts: Counter[str] = Counter()
    for alert in group.firing or group.alerts:
        for label in labels:
            name = alert.labels.get(label, "").strip()
            if name:
                counts[name] += 1
                break
    common = counts.most_common(1)
    return common[0][0] if common else None


def neighbours(graph: ServiceGraph | None, service: str | None) -> frozenset[str]:
    """Everything `service` calls or is called by, transitively; empty when off the map."""
    if graph is None or service is None or not graph.has(service):
        return frozenset()
    return frozenset(_reach(graph, service, down=True) | _reach(graph, service, down=False))


def join_target(
    symptom: str | None, related: frozenset[str], recent: Iterable[RecentIncident], now_s: int
) -> int | None:
    """The open incident a new group joins instead of opening its own, or None.

    It joins the newest incident opened in the last `GROUP_WINDOW_S` about the same
    service or one related to it on the map; in a storm (`STORM_LIMIT` incidents opened
    in the window already) it joins the newest whatever its service.
    """
    window = sorted(
        (r for r in recent if 0 <= now_s - r.opened_at <= GROUP_WINDOW_S),
        key=lambda r: (r.opened_at, r.id),
        reverse=True,
    )
    if symptom is not None:
        for incident in window:
            if incident.symptom is not None and (
                incident.symptom == symptom or incident.symptom in related
            ):
                return incident.id
    if len(window) >= STORM_LIMIT:
        return window[0].id
    return None


def fault_start(episodes: Iterable[Episode], opened_at: int) -> int:
    """When the fault behind an incident on a service opened at `opened_at` was first alerted.

    `episodes` are the service's incidents. An alert that resolves and fires again while
    its fault lasts (a flapping one: the p95 crosses its threshold minute after minute)
    opens incident after incident; each one's ranking, against the hours before it,
    would read the fault's earlier minutes as its baseline and miss it. So an incident
    opened within `REFIRE_S` of the one before it resolving continues it, and so on back:
    the answer is the first one's opening, or `opened_at` when none was just before it.
    """
    start = opened_at
    for episode in sorted(episodes, key=lambda e: e.opened_at, reverse=True):
        if episode.opened_at >= start:
            continue
        if episode.resolved_at is None or not 0 <= start - episode.resolved_at <= REFIRE_S:
            break
        start = episode.opened_at
    return start


def paged_already(
    cause: str | None,
    team: str | None,
    paged: Iterable[PagedIncident],
    *,
    explained_by: frozenset[str] = frozenset(),
) -> int | None:
    """The open incident a new group joins because it paged for the group's fault already.

    A fault spreading upstream fires alerts on service after service, minutes apart and
    past the grouping window: ranked to the same likely cause, each would page the team
    paged about it once more. Such a group joins the newest incident still firing that
    paged that team about that cause. So does a group the ranking is not sure of, whose
    service calls, directly or not, an incident's alerted service or likely cause
    (`explained_by`: the group's service and every service it calls, `downstream`): its
    alert is that fault seen from upstream, and its owners would be paged only because
    the ranking could not say where the fault lies. A group whose page goes to another
    team, or names another cause, and that no such incident explains, pages: it is news
    to someone.
    """
    same = [
        i
        for i in paged
        if (cause is not None and team is not None and (i.cause, i.paged_team) == (cause, team))
        or i.symptom in explained_by
        or i.cause in explained_by
    ]
    return max(same, key=lambda i: (i.opened_at, i.id)).id if same else None


def downstream(graph: ServiceGraph | None, service: str | None) -> frozenset[str]:
    """`service` and every service it calls, directly or not; empty when off the map."""
    if graph is None or service is None or not graph.has(service):
        return frozenset()
    return frozenset(_reach(graph, service, down=True))


def page_once_sure(
    *,
    incident: str,
    symptom: str | None,
    cause: str | None,
    confident: bool,
    before: str | None,
    paged_team: str | None,
    catalog: Catalog,
    mode: PagingMode,
    severity: Severity,
) -> PageOrder | None:
    """The page an open incident adds once its ranking is sure of a cause, or None.

    An alert often fires before its fault's calls show where it lies: the ranking is
    unsure, and the alerted service's owner is paged (`plan_firing`). Ranked again later
    (`bot.usecases.alerting.follow_open`, once a minute), once it is sure (`confident`)
    of a cause that the ranking before it (`before`, its top candidate) named first too,
    and whose owner is another team that can be paged, that team is paged too. Two
    rankings in a row agreeing keep one minute's odd answer from paging anybody; the
    alerted service's owners are on it meanwhile. Only after a page to the alerted
    service's owner, or none: an incident that paged another team already (a cause's
    owner, sure then) pages nobody more, so a ranking changing its mind never pages team
    after team. Nobody is paged in mode `off`.
    """
    if mode is PagingMode.OFF or not confident or cause is None or cause == symptom:
        return None
    if before != cause:
        return None
    team = catalog.team_of(cause)
    if team is None or not team.pagerduty_routing_key or team.name == paged_team:
        return None
    if paged_team is not None and paged_team != (catalog.owner_name(symptom) if symptom else None):
        return None
    why = "owner of the top root-cause candidate, sure once the incident's calls came in"
    return _page_order(incident, cause, team, severity, why)


def page_joined(
    *,
    incident: str,
    symptom: str | None,
    joined_symptom: str | None,
    joined_cause: str | None,
    graph: ServiceGraph | None,
    catalog: Catalog,
    mode: PagingMode,
    severity: Severity,
) -> PageOrder | None:
    """The page a group joining an open incident adds for its own service's owner, or None.

    A group joins an incident about a service related to its own (`join_target`) and pages
    nobody of its own: its alert is taken to be the incident's fault seen from elsewhere.
    That holds when its service `symptom` calls, directly or not, the incident's alerted
    service `joined_symptom` or its likely cause `joined_cause` (or is one of them): a
    failure travels up to the callers, whose alerts add nothing to whom to page. It does
    not hold for a service further down than the incident's alerted service, unless it
    calls the likely cause: its alert says the fault may lie there (the incident paged
    its alerted service's owners, unsure), or, beside the likely cause, that a second
    fault began. Its owner is paged then, when they can be (the store pages a team at
    most once per incident). A group joining only because of a storm (`STORM_LIMIT`), on
    a service not below the incident's, pages nobody: a storm is paged for a few times,
    not once per service. Nobody is paged in mode `off`, nor for a service off the map.
    """
    if mode is PagingMode.OFF or symptom is None or graph is None:
        return None
    if symptom not in downstream(graph, joined_symptom):  # above it, off the map, or a storm's
        return None
    explained = {s for s in (joined_symptom, joined_cause) if s is not None}
    if explained & downstream(graph, symptom):
        return None
    team = catalog.team_of(symptom)
    if team is None or not team.pagerduty_routing_key:
        return None
    why = (
        "owner of the alerted service, whose alert joined the incident: "
        "the incident's alerted service and likely cause are not downstream of it"
    )
    return _page_order(incident, symptom, team, severity, why)


def _page_order(
    incident: str, service: str, team: Team, severity: Severity, reason: str
) -> PageOrder:
    """Page `team` about `service` for `incident`, under the key PagerDuty dedups it by."""
    return PageOrder(
        service=service,
        team=team.name,
        dedup_key=dedup_key(incident, service),
        severity=severity,
        reason=reason,
    )


def _reach(graph: ServiceGraph, service: str, *, down: bool) -> set[str]:
    """`service` and every service it reaches along the calls (`down`), or against them."""
    index = graph.index
    walked = walk(index, index.ids[service], None, down=down)
    return {service, *map(index.names.__getitem__, walked.numbers)}


def plan_firing(
    *,
    incident: str,
    symptom: str | None,
    candidates: Sequence[str],
    confident: bool,
    graph: ServiceGraph | None,
    catalog: Catalog,
    mode: PagingMode,
    incident_channel: str | None,
    severity: Severity,
) -> Plan:
    """Page the owner of the cause, or of the alerted service; tell upstream owners.

    The top candidate is the cause only when the ranking is `confident`; otherwise the
    alerted service's owner is paged and the candidates are named as suggestions. The
    incident post goes to `incident_channel`, else to the channel of the cause's owner
    (else the alerted service's). Owners of the services upstream of the cause (else of
    the alerted service) hear of it in their channel, once per team and never the team
    paged nor the post's channel. Nobody is paged in mode `off`.
    """
    top = candidates[0] if candidates else None
    cause = top if confident else None
    suggestions = () if confident else tuple(candidates)
    target = _page_target(cause, symptom, catalog, unconfirmed=None if confident else top)
    page, note = None, None
    if mode is PagingMode.OFF:
        note = "paging is off"
    elif isinstance(target, str):
        note = target
    else:
        service, owner, reason = target
        page = _page_order(incident, service, owner, severity, reason)
    paged = page.team if page is not None else None
    hit = _affected(graph, cause or symptom, symptom, catalog)
    every = tuple(sorted({service for _, _, services in hit for service in services}))
    channel_of_post = incident_channel or _owner_channel((cause, symptom), catalog)
    notices: list[NoticeOrder] = []
    if channel_of_post:
        notices.append(NoticeOrder(NoticeKind.INCIDENT, channel_of_post, None, every))
    affected: list[str] = []
    by_channel: dict[str, tuple[str, list[str]]] = {}
    for team, channel, services in hit:
        affected.append(team)
        if team == paged or channel is None or channel == channel_of_post:
            continue
        by_channel.setdefault(channel, (team, []))[1].extend(services)
    notices.extend(
        NoticeOrder(NoticeKind.UPSTREAM, channel, team, tuple(sorted(set(services))))
        for channel, (team, services) in by_channel.items()
    )
    return Plan(
        cause=cause,
        page=page,
        notices=tuple(notices),
        affected_teams=tuple(affected),
        note=note,
        affected_services=every,
        suggestions=suggestions,
    )


def _owner_channel(services: Iterable[str | None], catalog: Catalog) -> str | None:
    """The Slack channel of the first of `services` whose owner has one."""
    for service in services:
        team = catalog.team_of(service) if service else None
        if team is not None and team.slack_channel:
            return team.slack_channel
    return None


def _page_target(
    cause: str | None, symptom: str | None, catalog: Catalog, *, unconfirmed: str | None
) -> tuple[str, Team, str] | str:
    """The service whose owner is paged, the team and why; or why nobody can be.

    `unconfirmed` is the top candidate of a ranking not confident enough to page its owner.
    """
    cause_team = catalog.team_of(cause) if cause else None
    if cause is not None and cause_team is not None and cause_team.pagerduty_routing_key:
        return cause, cause_team, "owner of the top root-cause candidate"
    symptom_team = catalog.team_of(symptom) if symptom else None
    if symptom is not None and symptom_team is not None and symptom_team.pagerduty_routing_key:
        if cause is not None:
            why = f"owner of the alerted service: {cause}'s owner cannot be paged"
        elif unconfirmed is not None:
            why = f"owner of the alerted service: the ranking is unsure {unconfirmed} is the cause"
        else:
            why = "owner of the alerted service: no root-cause candidate stood out"
        return symptom, symptom_team, why
    if symptom is None:
        return "nobody paged: the alerts name no service"
    named = ", ".join(dict.fromkeys(s for s in (cause, symptom) if s))
    why = f"nobody paged: no owner of {named} has a PagerDuty routing key"
    if unconfirmed is not None and unconfirmed != symptom:
        why += f"; the ranking is not sure enough of {unconfirmed} to page its owner"
    return why


def _affected(
    graph: ServiceGraph | None, failed: str | None, symptom: str | None, catalog: Catalog
) -> list[tuple[str, str | None, tuple[str, ...]]]:
    """Owned services hit when `failed` fails, the symptom's included, grouped by team."""
    services: set[str] = {symptom} if symptom else set()
    if graph is not None and failed is not None and graph.has(failed):
        services.update(entry.name for entry in blast_radius(graph, failed, catalog).upstream)
        services.add(graph.resolve(failed))
    groups: dict[str, list[str]] = {}
    for service in sorted(services):
        team = catalog.owner_name(service)
        if team is not None:
            groups.setdefault(team, []).append(service)
    return [
        (team, catalog.teams[team].slack_channel if team in catalog.teams else None, tuple(names))
        for team, names in sorted(groups.items())
    ]
