"""Receive an Alertmanager notification: gather the evidence, decide, record what to send.

Nothing is sent here: pages and posts are recorded (with unique keys) in the same
transaction as the incident, and a dispatcher sends them afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from bot.adapters.store.incident_rows import (
    AlertRow,
    IncidentRecord,
    Opening,
    Outcome,
    Recorded,
    SurePage,
)
from bot.adapters.store.ports import AlertIncidents
from bot.usecases.alert_text import (
    joined_page_row,
    joined_reply_body,
    notice_rows,
    page_rows,
    redacted_group,
    sure_page_row,
    sure_reply_body,
    title_of,
)
from topology.errors import UnknownServiceError, UsageError
from topology.graph import ServiceGraph
from topology.incidents.decide import (
    GROUP_WINDOW_S,
    Plan,
    downstream,
    fault_start,
    join_target,
    neighbours,
    page_joined,
    page_once_sure,
    plan_firing,
    symptom_of,
)
from topology.incidents.keys import digest, incident_key
from topology.incidents.model import (
    RESOLVE_HOLD_S,
    AlertGroup,
    AlertStatus,
    PagingMode,
    SendState,
    Severity,
)
from topology.incidents.severity import group_severity
from topology.ownership import Catalog
from topology.rca import Ranking, Snapshot, rank
from topology.rca.dump import dump_snapshot
from topology.redaction import Redaction
from topology.timespec import format_time

log = logging.getLogger(__name__)

EVIDENCE_EVERY_S = 60
"""Seconds at least between two rankings of an incident's evidence (for groups joining it,
and while it is followed)."""
FOLLOW_S = 3_600
"""How long after it opened an incident's evidence is ranked again as the calls come in."""


class AlertInputs(Protocol):
    """What an alert's evidence is read from: the map and series around a time."""

    def graph(self, now: int) -> ServiceGraph:
        """The map an alert at `now` is ranked on."""
        ...

    def lean(self, symptom: str, now: int) -> tuple[ServiceGraph, Snapshot]:
        """The map and the snapshot `rank` reads for `symptom` at `now`.

        Raises `UnknownServiceError` when the map lacks it, `UsageError` when nothing is
        stored for the windows.
        """
        ...

    def followed(self, symptom: str, since: int, now: int) -> tuple[ServiceGraph, Snapshot]:
        """`lean` for a fault on `symptom` alerted since `since`, ranked at `now`.

        On the windows of an alert at `since`, the incident's stretched until `now`: the
        baseline the hours before the fault was alerted.
        """
        ...

    def to_save(self, snapshot: Snapshot) -> Snapshot:
        """`snapshot` as it is saved with its incident: cut to the symptom's neighbourhood."""
        ...


@dataclass(frozen=True, slots=True)
class AlertRules:
    """The settings receiving alerts follows.

    `labels` name the alerted service, first found first; `key_secret` keys the tags of
    group keys that redaction changed; `incident_channel` is where posts go when the
    owners have no channel; `resolve_hold_s` is how long an incident's resolves wait in
    case its alert fires again (0: they are sent at once).
    """

    labels: tuple[str, ...]
    paging_mode: PagingMode
    incident_channel: str | None
    key_secret: bytes
    resolve_hold_s: int = RESOLVE_HOLD_S


@dataclass(frozen=True, slots=True)
class AlertDesk:
    """What receiving alerts uses: the incident log, the evidence, the catalog, the time.

    `notify` says whether a notifier is configured (else posts are recorded as dry runs);
    `clock` says the time in Unix seconds.
    """

    incidents: AlertIncidents
    inputs: AlertInputs
    catalog: Catalog
    redaction: Redaction
    rules: AlertRules
    notify: bool
    clock: Callable[[], int]


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the map says about the alerted service: its graph, ranking and snapshot.

    The snapshot holds what the ranking read: of the edges, only those into or out of the
    candidates; every edge's series is added when it is saved.
    `confident` says whether the ranking is sure enough of its top candidate to page
    that candidate's owner.
    """

    symptom: str | None
    graph: ServiceGraph | None = None
    ranking: Ranking | None = None
    snapshot: Snapshot | None = None
    note: str | None = None
    confident: bool = False


@dataclass(frozen=True, slots=True)
class Receipt:
    """What receiving one notification recorded, and the snapshot still to save with it.

    The snapshot lacks the series of the edges the ranking did not read, read when it is
    saved.
    """

    recorded: Recorded
    snapshot: Snapshot | None = None

    @property
    def to_save(self) -> bool:
        """Whether `save_evidence` has work to do: a snapshot to save, or one to refresh."""
        recorded = self.recorded
        if recorded.incident_id is None:
            return False
        return self.snapshot is not None or recorded.outcome is Outcome.JOINED


def group_hash(group: AlertGroup) -> str:
    """The stored digest of the group's key."""
    return digest(group.group_key, 8)


def receive_alerts(desk: AlertDesk, group: AlertGroup) -> Receipt:
    """Open, update or resolve the incident of `group`; record the pages and posts it needs.

    The snapshot of a new incident comes back unsaved: writing it out takes longer than
    ranking, so the caller saves it (`save_evidence`) once the sender has been woken; the
    ranking reads the series of the edges around the candidates, and the others are read
    as it is saved. A group joining an open incident ranks nothing here: its evidence is
    refreshed then, at most once a minute.
    """
    # annotations and the service label as they are shown and stored
    rules = desk.rules
    labels = rules.labels
    group = redacted_group(desk.redaction, group, services=labels, key=rules.key_secret)
    now = desk.clock()
    alerts = alert_rows(group, labels)
    incidents = desk.incidents
    if group.status is AlertStatus.RESOLVED:
        resolved = incidents.record_resolved(
            group_hash(group),
            alerts,
            now_s=now,
            all_resolved=True,
            notice_state=notice_state(desk),
            hold_s=rules.resolve_hold_s,
        )
        return Receipt(resolved)
    key = incident_key(group)
    known = incidents.open_for_group(group_hash(group)) or incidents.by_key(key)
    if known is not None:
        # A repeat (or redelivery): no new evidence is needed; new alerts get a reply.
        bare = _bare(group, key)
        return Receipt(
            incidents.record_firing(bare, alerts, now_s=now, notice_state=notice_state(desk))
        )
    reopened = _reopen_held(desk, group, alerts, now)
    if reopened is not None:
        return Receipt(reopened)
    symptom = desk.redaction.optional(symptom_of(group, labels))  # as the map names it
    graph = desk.inputs.graph(now)
    named = _on_map(graph, symptom)
    related = neighbours(graph, named)
    target = join_target(named, related, incidents.recent_open(now - GROUP_WINDOW_S), now)
    if target is not None:
        # Joining: the incident joined has the evidence, refreshed after the answer if due.
        evidence = Evidence(named, graph)
    else:
        start = _fault_start(desk, named, now, now)
        evidence = gather(desk, symptom, now, since=start if start < now else None)
        related = neighbours(evidence.graph, evidence.symptom)
    opening = decide_opening(desk, group, key, evidence, joined_to=target)
    # Unsure where the fault lies, it is one an incident firing below it pages for already.
    unsure = not evidence.confident
    recorded = incidents.record_firing(
        opening,
        alerts,
        now_s=now,
        notice_state=notice_state(desk),
        related=related,
        explained_by=downstream(evidence.graph, evidence.symptom) if unsure else frozenset(),
    )
    if recorded.outcome is Outcome.OPENED:
        _log_opened(recorded, opening, now)
        return Receipt(recorded, evidence.snapshot)
    if recorded.outcome is Outcome.JOINED:
        return Receipt(_page_joined(desk, recorded, opening, evidence.graph, now))
    return Receipt(recorded)


def _reopen_held(
    desk: AlertDesk, group: AlertGroup, alerts: list[AlertRow], now: int
) -> Recorded | None:
    """The group's incident fired again, when it resolved so recently its resolves wait.

    A flap: no new incident, no new page. None with no such incident, or no hold.
    """
    hold = desk.rules.resolve_hold_s
    if not hold:
        return None
    reopened = desk.incidents.reopen_held(
        group_hash(group), alerts, now_s=now, since_s=now - hold, notice_state=notice_state(desk)
    )
    if reopened is not None:
        log.info("incident %s fired again before its resolves were sent", reopened.key)
    return reopened


def _page_joined(
    desk: AlertDesk, recorded: Recorded, opening: Opening, graph: ServiceGraph | None, now: int
) -> Recorded:
    """Page the owners of a joining group's service when the incident does not explain it.

    `page_joined` decides; the page goes with the incident joined (resolved with it), with
    a reply in its post's thread, to a team the incident paged nothing yet. `recorded`
    comes back counting the page to send.
    """
    incidents = desk.incidents
    member = incidents.incident(recorded.incident_id) if recorded.incident_id else None
    root = incidents.incident(member.merged_into) if member and member.merged_into else None
    if root is None:
        return recorded
    mode = desk.rules.paging_mode
    page = page_joined(
        incident=root.key,
        symptom=opening.symptom,
        joined_symptom=root.symptom,
        joined_cause=root.cause,
        graph=graph,
        catalog=desk.catalog,
        mode=mode,
        severity=Severity(opening.severity),
    )
    if page is None:
        return recorded
    state = SendState.DRY_RUN if mode is PagingMode.DRY_RUN else SendState.PENDING
    row = joined_page_row(page, title=opening.title, incident_title=root.title, state=state)
    reply = joined_reply_body(page, title=opening.title, paged_first=root.paged_team, mode=mode)
    if not incidents.record_joined_page(
        root.id, row, reply, now_s=now, notice_state=notice_state(desk)
    ):
        return recorded
    verb = "would page" if state is SendState.DRY_RUN else "paging"
    log.info(
        "incident %s: %s team %r: %r's alert joined it", root.key, verb, page.team, page.service
    )
    return replace(recorded, to_send=recorded.to_send + (state is SendState.PENDING))


def _on_map(graph: ServiceGraph, symptom: str | None) -> str | None:
    """`symptom` as the map names it, or as it is when the map does not know it."""
    if symptom is None:
        return None
    try:
        return graph.resolve(symptom)
    except UnknownServiceError:
        return symptom


def save_evidence(desk: AlertDesk, receipt: Receipt) -> None:
    """Save the snapshot of the incident `receipt` opened; refresh that of one a group joined.

    A group joining an incident ranks it again and saves its snapshot and likely cause,
    when they were made `EVIDENCE_EVERY_S` or more ago (`refresh_joined`); otherwise the
    incident's evidence serves the group as it is.
    """
    recorded = receipt.recorded
    if not receipt.to_save or recorded.incident_id is None:
        return
    if receipt.snapshot is not None:
        _save_snapshot(desk, recorded.incident_id, receipt.snapshot, None)
    else:
        refresh_joined(desk, recorded.incident_id)


def refresh_joined(desk: AlertDesk, joined_id: int) -> bool:
    """Rank again the incident that incident `joined_id` joined, if due; whether it was.

    Due once `EVIDENCE_EVERY_S` passed since its evidence was made (decided in the store,
    so replicas refresh it once between them). The ranking reads what the alerts of the
    minute read (`gather`); without evidence now, the incident keeps what it has.
    """
    joined = desk.incidents.incident(joined_id)
    if joined is None or joined.merged_into is None:
        return False
    return _rank_again(desk, joined.merged_into, desk.clock())


def follow_open(desk: AlertDesk) -> int:
    """Rank again the open incidents of their own opened in the last `FOLLOW_S`, when due.

    An alert often fires in a fault's first minute, before its calls show where it lies:
    the incident opens with little or no likely cause. Followed, its snapshot and likely
    cause are made again once `EVIDENCE_EVERY_S` passed since they were (the store
    decides, so replicas rank each once between them), on the calls that came since.
    Once the ranking is sure of a cause another team owns, that team is paged too, once
    (`_page_once_sure`). Answers how many were ranked again.
    """
    now = desk.clock()
    followed = desk.incidents.recent_open(now - FOLLOW_S)
    return sum(_rank_again(desk, incident.id, now) for incident in followed)


def _rank_again(desk: AlertDesk, incident_id: int, now: int) -> bool:
    """Rank incident `incident_id` again and save its evidence, if due; whether it was.

    It is ranked on the windows of its fault's first alert (its opening's, or an earlier
    incident's it continues: `_fault_start`), the incident's stretched until now
    (`gather`), for `FOLLOW_S` after that; later (a group joining an incident open for
    longer), on the windows of an alert now.
    Without evidence now, the incident keeps what it has; a ranking naming no candidate
    keeps the likely cause it had.
    """
    root = desk.incidents.claim_evidence(incident_id, now_s=now, every_s=EVIDENCE_EVERY_S)
    if root is None or root.symptom is None:
        return False
    start = _fault_start(desk, root.symptom, root.opened_at, now)
    anchored = now - start <= FOLLOW_S  # past it, the windows would grow too long
    evidence = gather(desk, root.symptom, now, since=start if anchored else None)
    if evidence.snapshot is None:
        log.info("incident %s: evidence not refreshed: %r", root.key, evidence.note)
        return False
    candidates = evidence.ranking.candidates if evidence.ranking else ()
    cause = candidates[0].service if candidates else None
    _save_snapshot(desk, root.id, evidence.snapshot, cause)
    _page_once_sure(desk, root, evidence, now)
    return True


def _fault_start(desk: AlertDesk, symptom: str | None, opened_at: int, now: int) -> int:
    """When the fault behind an incident on `symptom` opened at `opened_at` was first alerted.

    An alert firing again soon after its incident resolved continues it (`fault_start`),
    back at most `FOLLOW_S` before `now`.
    """
    if symptom is None:
        return opened_at
    return fault_start(desk.incidents.episodes(symptom, now - FOLLOW_S), opened_at)


def _page_once_sure(desk: AlertDesk, root: IncidentRecord, evidence: Evidence, now: int) -> None:
    """Page the owners of the cause the ranking is now sure of, when `page_once_sure` says so.

    The page is recorded with a reply in the incident post's thread saying why, and sent
    by the dispatcher like the incident's first page.
    """
    candidates = evidence.ranking.candidates if evidence.ranking else ()
    mode = desk.rules.paging_mode
    page = page_once_sure(
        incident=root.key,
        symptom=evidence.symptom,
        cause=candidates[0].service if candidates else None,
        confident=evidence.confident,
        before=root.cause,
        paged_team=root.paged_team,
        catalog=desk.catalog,
        mode=mode,
        severity=Severity(root.severity),
    )
    if page is None:
        return
    state = SendState.DRY_RUN if mode is PagingMode.DRY_RUN else SendState.PENDING
    first = root.paged_team
    sure = SurePage(
        sure_page_row(page, evidence, title=root.title, first_paged=first, state=state),
        sure_reply_body(page, evidence, title=root.title, first_paged=first, mode=mode),
        first,
    )
    recorded = desk.incidents.record_sure_page(
        root.id, sure, now_s=now, notice_state=notice_state(desk)
    )
    if recorded:
        verb = "would page" if state is SendState.DRY_RUN else "paging"
        log.info(
            "incident %s: sure of %r now: %s team %r (first paged: %r)",
            root.key,
            page.service,
            verb,
            page.team,
            first,
        )


def _save_snapshot(
    desk: AlertDesk, incident_id: int, snapshot: Snapshot, cause: str | None
) -> None:
    """Save `snapshot` with incident `incident_id` (and `cause`, if any), with its edge series.

    Only the symptom's neighbourhood is saved (`AlertInputs.to_save`), not the whole map:
    what ranking read, and the series of the nearest others up to the cap.
    """
    data = dump_snapshot(desk.inputs.to_save(snapshot))
    desk.incidents.save_snapshot(incident_id, data, cause=cause)


def gather(desk: AlertDesk, symptom: str | None, now: int, *, since: int | None = None) -> Evidence:
    """The map, ranking and snapshot around `now` for `symptom`, or why there are none.

    With `since`, for a fault alerted since then: on the windows of an alert then, the
    incident's stretched until `now` (`AlertInputs.followed`).
    """
    if symptom is None:
        labels = ", ".join(desk.rules.labels)
        return Evidence(None, note=f"the alerts carry none of the labels {labels}")
    try:
        if since is not None:
            graph, snapshot = desk.inputs.followed(symptom, since, now)
        else:
            # Inputs read for an alert moments ago serve this one: a storm reads once a minute.
            graph, snapshot = desk.inputs.lean(symptom, now)
    except UnknownServiceError:
        return Evidence(symptom, note=f"{symptom} is not on the map")
    except UsageError as error:
        return Evidence(symptom, note=f"no evidence stored: {error}")
    resolved = graph.resolve(symptom)
    ranking = rank(snapshot, resolved)
    sure = ranking.to_dict().get("confidence") == "high"
    return Evidence(resolved, graph, ranking, snapshot, confident=sure)


def decide_opening(
    desk: AlertDesk, group: AlertGroup, key: str, evidence: Evidence, *, joined_to: int | None
) -> Opening:
    """What opening the incident records: its pages and posts, or none when it joins another."""
    severity = group_severity(group.firing or group.alerts)
    title = title_of(group, evidence.symptom)
    candidates = evidence.ranking.candidates if evidence.ranking else ()
    base = Opening(
        key=key,
        group_hash=group_hash(group),
        group_key=group.group_key,
        receiver=group.receiver,
        symptom=evidence.symptom,
        cause=candidates[0].service if candidates else None,
        severity=severity.value,
        title=title,
    )
    if joined_to is not None:
        return replace(base, merged_into=joined_to, note=f"grouped into incident {joined_to}")
    mode = desk.rules.paging_mode
    plan: Plan = plan_firing(
        incident=key,
        symptom=evidence.symptom,
        candidates=[c.service for c in candidates],
        confident=evidence.confident,
        graph=evidence.graph,
        catalog=desk.catalog,
        mode=mode,
        incident_channel=desk.rules.incident_channel or None,
        severity=severity,
    )
    page_state = SendState.DRY_RUN if mode is PagingMode.DRY_RUN else SendState.PENDING
    posts = SendState(notice_state(desk))
    return replace(
        base,
        paged_team=plan.page.team if plan.page else None,
        note=plan.note or evidence.note,
        pages=page_rows(group, plan, evidence, title, state=page_state),
        notices=notice_rows(group, plan, evidence, title, mode=mode, state=posts),
    )


def notice_state(desk: AlertDesk) -> str:
    """The state posts are recorded in: to send, or dry-run while no notifier is configured."""
    return SendState.PENDING.value if desk.notify else SendState.DRY_RUN.value


def alert_rows(group: AlertGroup, labels: tuple[str, ...]) -> list[AlertRow]:
    """The group's alerts as stored; an alert without a fingerprint is keyed by its labels."""
    rows = []
    for alert in group.alerts:
        fingerprint = alert.fingerprint or digest(repr(sorted(alert.labels.items())), 8)
        service = next((alert.labels[n] for n in labels if alert.labels.get(n, "").strip()), None)
        rows.append(
            AlertRow(
                fingerprint=fingerprint,
                starts_at=alert.starts_at,
                status=alert.status.value,
                ends_at=alert.ends_at,
                alertname=alert.labels.get("alertname"),
                service=service,
                summary=alert.annotations.get("summary"),
                labels=alert.labels,
            )
        )
    return rows


def _bare(group: AlertGroup, key: str) -> Opening:
    """An opening that records only the alerts: for a group whose incident exists."""
    severity = group_severity(group.firing or group.alerts)
    return Opening(
        key=key,
        group_hash=group_hash(group),
        group_key=group.group_key,
        receiver=group.receiver,
        symptom=None,
        cause=None,
        severity=severity.value,
        title=title_of(group, None),
    )


def _log_opened(recorded: Recorded, opening: Opening, now: int) -> None:
    """Log the new incident; alert text is quoted (`%r`), so it cannot forge log lines."""
    at = format_time(now)
    log.info("incident %s opened at %s: %r", recorded.key, at, opening.title)
    for page in opening.pages:
        if page.state == SendState.DRY_RUN:
            log.info("dry-run: would page team %s (dedup key %s)", page.team, page.dedup_key)
    if opening.note:
        log.info("incident %s: %r", recorded.key, opening.note)
