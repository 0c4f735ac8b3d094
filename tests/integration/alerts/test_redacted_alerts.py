"""An alert naming a service as its spans did finds the node redaction made of it."""

from __future__ import annotations

from pathlib import Path

from bot.bootstrap import import_desk
from bot.usecases.importing import import_file
from tests.integration.alerts.conftest import INCIDENT_AT, webhook
from tests.integration.alerts.test_alert_webhook import post
from tests.otlp_exports import CLIENT, SERVER, OtlpSpanSpec, as_json

NS = 1_000_000_000


def calls_into_profile(user: str, minute: int) -> dict[str, list[OtlpSpanSpec]]:
    trace = f"{minute:016x}{int(user):016x}"
    at = (INCIDENT_AT - 60 * minute) * NS
    return {
        "checkout": [OtlpSpanSpec("a000000000000001", kind=CLIENT, trace_id=trace, start_ns=at)],
        f"profile-{user}": [
            OtlpSpanSpec(
                "b000000000000001", "a000000000000001", kind=SERVER, trace_id=trace, start_ns=at
            )
        ],
    }


def test_an_alert_for_a_service_named_by_a_user_id_opens_on_its_redacted_node(
    make_app, tmp_path: Path
):
    app = make_app()
    for minute in range(1, 30):
        path = tmp_path / f"traces-{minute}.json"
        path.write_bytes(as_json(calls_into_profile("1234567", minute)))
        import_file(import_desk(app), path, None)

    incident_id = post(app, webhook("profile-7654321")).json()["incident"]

    incident = app.incidents.incident(incident_id)
    assert incident is not None
    assert incident.symptom == "profile-{num}"
    assert "not on the map" not in (incident.note or "")
