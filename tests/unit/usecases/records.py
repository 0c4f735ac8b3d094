"""Incident records as the incident log lists them, for the fakes of its ports."""

from __future__ import annotations

from dataclasses import replace

from bot.adapters.store.incident_rows import IncidentRecord

OPENED_S = 1_700_000_000


def incident(incident_id: int, **changes: object) -> IncidentRecord:
    """An open incident on `checkout`, opened at `OPENED_S`; `changes` replace its fields."""
    record = IncidentRecord(
        id=incident_id,
        key=f"INC-{incident_id}",
        status="open",
        symptom="checkout",
        cause=None,
        severity="critical",
        title="checkout is failing",
        opened_at=OPENED_S,
        resolved_at=None,
        merged_into=None,
        paged_team=None,
        note=None,
        receiver="svcmap",
    )
    return replace(record, **changes)  # type: ignore[arg-type]
