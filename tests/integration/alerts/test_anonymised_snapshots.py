"""`svcmap snapshot export --anonymise`: keyed pseudonyms for every name, the same ranking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.bootstrap import import_desk
from bot.cli.incidents import export_snapshot
from bot.cli.parser import build_parser
from bot.usecases.importing import import_file
from bot.usecases.rca import rank_snapshot_file
from tests.integration.alerts.conftest import INCIDENT_AT
from tests.integration.alerts.test_alert_webhook import post
from topology.errors import UsageError
from topology.rca import Ranking, load_snapshot
from topology.rca.anonymise import Pseudonyms

KEY = "k" * 32
NS = 1_000_000_000


def resource(service: str) -> dict[str, object]:
    return {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]}


def payment_signals() -> tuple[bytes, bytes]:
    """Two hours of payment's logs and metrics: card errors logged in the last quarter."""
    records, points = [], []
    for minute in range(INCIDENT_AT - 7200, INCIDENT_AT + 60, 60):
        failing = minute > INCIDENT_AT - 900
        for n in range(20):
            at = str(minute * NS + n)
            records.append(
                {
                    "timeUnixNano": at,
                    "severityText": "INFO",
                    "body": {"stringValue": f"charged order {n}"},
                }
            )
            if failing and n % 2:
                body = f"card declined for acme customer {n} at gateway"
                records.append(
                    {"timeUnixNano": at, "severityText": "ERROR", "body": {"stringValue": body}}
                )
        for name, level in (("process.cpu.utilization", 0.3), ("acme_card_queue", 5.0)):
            value = level * 4 if failing else level * (1 + minute % 7 / 100)
            points.append((name, {"timeUnixNano": str(minute * NS), "asDouble": value}))
    logs = {
        "resourceLogs": [{"resource": resource("payment"), "scopeLogs": [{"logRecords": records}]}]
    }
    metrics = [
        {"name": name, "gauge": {"dataPoints": [p for n, p in points if n == name]}}
        for name in ("process.cpu.utilization", "acme_card_queue")
    ]
    document = {
        "resourceMetrics": [
            {"resource": resource("payment"), "scopeMetrics": [{"metrics": metrics}]}
        ]
    }
    return json.dumps(logs).encode(), json.dumps(document).encode()


def export(app, output: Path, *, incident: int | None = None, anonymise: bool = True) -> None:
    which = ["--incident", str(incident)] if incident else ["checkout", "--at", str(INCIDENT_AT)]
    flags = ["--anonymise"] if anonymise else []
    args = build_parser().parse_args(["snapshot", "export", *which, "-o", str(output), *flags])
    export_snapshot(app, args)


def shown(ranking: Ranking, names: dict[str, str] | None = None) -> list[tuple[object, ...]]:
    """Each candidate's service and those explaining it (named back), score, kinds of evidence."""
    back = names or {}
    return [
        (
            back.get(c.service, c.service),
            tuple(back.get(name, name) for name in c.explained_by),
            c.score,
            c.signals,
        )
        for c in ranking.candidates
    ]


@pytest.fixture
def shop(make_app, tmp_path):
    app = make_app(anonymise_key=KEY)
    for name, data in zip(("logs.json", "metrics.json"), payment_signals(), strict=True):
        (tmp_path / name).write_bytes(data)
        import_file(import_desk(app), tmp_path / name, None)
    return app


@pytest.mark.parametrize("saved", [False, True], ids=["from the store", "of an incident"])
def test_the_anonymised_snapshot_ranks_as_the_original(shop, firing_body, tmp_path, saved):
    incident = post(shop, firing_body).json()["incident"] if saved else None
    original, anonymous = tmp_path / "original.json", tmp_path / "anonymous.json"
    export(shop, original, incident=incident, anonymise=False)
    export(shop, anonymous, incident=incident)

    before = load_snapshot(original.read_bytes(), source="original")
    pseudonyms = Pseudonyms(KEY.encode())
    symptom = pseudonyms.service("checkout")
    for service in before.services:
        pseudonyms.service(service.name)
    ranked = rank_snapshot_file(original, "checkout")
    ranked_anonymous = rank_snapshot_file(anonymous, symptom)

    assert {"logs", "metrics"} <= set(ranked.candidates[0].signals)
    assert shown(ranked_anonymous, pseudonyms.names) == shown(ranked)
    assert (ranked_anonymous.confident, ranked_anonymous.quiet) == (
        ranked.confident,
        ranked.quiet,
    )


def test_no_name_owner_or_log_text_is_left_in_the_anonymised_snapshot(shop, tmp_path):
    original, anonymous = tmp_path / "original.json", tmp_path / "anonymous.json"
    export(shop, original, anonymise=False)
    export(shop, anonymous)

    before = load_snapshot(original.read_bytes(), source="original")
    text = anonymous.read_text()
    secrets = {s.name for s in before.services} | {s.owner for s in before.services if s.owner}
    templates = {
        key.removeprefix("template:")
        for series in before.logs.values()
        for key in series.metrics
        if key.startswith("template:")
    }
    assert templates, "the sample logs give templates"
    for secret in secrets | templates:
        assert json.dumps(secret) not in text
    after = load_snapshot(text, source="anonymous")
    assert all(s.name.startswith("svc-") for s in after.services)
    assert all(s.owner is None or s.owner.startswith("team-") for s in after.services)
    assert "acme_card_queue" not in text
    metric_names = {key for series in after.metrics.values() for key in series.metrics}
    assert "process.cpu.utilization" in metric_names  # a standard name names no one
    log_keys = {key for series in after.logs.values() for key in series.metrics}
    assert {"level:INFO", "level:ERROR"} <= log_keys
    assert {key.split("-")[0] for key in log_keys if key.startswith("template:")} == {
        "template:log"
    }


def test_the_same_key_gives_the_same_pseudonyms_and_another_key_others(shop, make_app, tmp_path):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    export(shop, first)
    export(shop, second)
    assert first.read_bytes() == second.read_bytes()

    other = make_app(anonymise_key="another key of enough length")
    export(other, second)
    names = {s.name for s in load_snapshot(first.read_bytes(), source="first").services}
    others = {s.name for s in load_snapshot(second.read_bytes(), source="second").services}
    assert len(names) == len(others)
    assert not names & others


def test_anonymising_without_a_key_is_refused_and_writes_nothing(make_app, tmp_path):
    app = make_app()
    output = tmp_path / "anonymous.json"

    with pytest.raises(UsageError, match="SVCMAP_ANONYMISE_KEY"):
        export(app, output)

    assert not output.exists()
