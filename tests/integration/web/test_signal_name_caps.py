"""`/v1/logs`, `/v1/metrics` and `svcmap import` of them under the caps on new names.

A service name new to the store passes the caps as a trace's does, under the same source:
past them its records and points are dropped, told in the answer and counted on `/metrics`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToJson
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from bot.bootstrap import App
from bot.cli.main import main
from tests.integration.web.test_name_caps import metric
from tests.integration.web.test_otlp_signals import NS, PROTOBUF, T0
from tests.otlp_exports import as_json, frontend_calls_cart
from topology.cardinality import RATE, SERVICES

JSON = {"Content-Type": "application/json"}


def logs_of(services: list[str], *, records: int = 2) -> ExportLogsServiceRequest:
    """`records` log records of each service, each service a resource of its own."""
    request = ExportLogsServiceRequest()
    for service in services:
        group = request.resource_logs.add()
        group.resource.attributes.append(
            KeyValue(key="service.name", value=AnyValue(string_value=service))
        )
        scope = group.scope_logs.add()
        for i in range(records):
            record = scope.log_records.add()
            record.time_unix_nano = T0 * NS + i
            record.severity_number = 9
            record.body.string_value = f"request {i} done"
    return request


def metrics_of(services: list[str], *, points: int = 2) -> ExportMetricsServiceRequest:
    """A gauge `cpu` of each service with `points` points, each service a resource of its own."""
    request = ExportMetricsServiceRequest()
    for service in services:
        group = request.resource_metrics.add()
        group.resource.attributes.append(
            KeyValue(key="service.name", value=AnyValue(string_value=service))
        )
        metric_ = group.scope_metrics.add().metrics.add()
        metric_.name = "cpu"
        for i in range(points):
            point = metric_.gauge.data_points.add()
            point.time_unix_nano = T0 * NS + i
            point.as_double = 0.5
    return request


def logged(app: App) -> set[str]:
    return set(app.store.log_series(None, T0 - 60, T0 + 60))


def measured(app: App) -> set[str]:
    return set(app.store.metric_series(None, T0 - 60, T0 + 60))


def test_a_flood_of_new_log_services_keeps_the_budget_and_counts_the_rest(make_client):
    app, client = make_client(new_names_per_minute=5)
    flood = [f"flood-{i:03d}" for i in range(20)]

    answer = client.post("/v1/logs", content=logs_of(flood).SerializeToString(), headers=PROTOBUF)

    assert answer.status_code == 200
    told = ExportLogsServiceResponse.FromString(answer.content).partial_success
    assert told.rejected_log_records == 30
    assert "30 of new service names past the caps on new names" in told.error_message
    assert logged(app) == set(flood[:5])
    (refused,) = app.store.refused_names()
    assert (refused.source, refused.reason, refused.names, refused.items) == ("otlp", RATE, 15, 30)
    assert metric(client, "svcmap_names_refused_total", source="otlp", reason=RATE) == 15
    assert metric(client, "svcmap_names_refused_calls_total", source="otlp", reason=RATE) == 30
    counted = metric(
        client, "svcmap_otlp_signal_items_total", signal="logs", outcome="names_refused"
    )
    assert counted == 30


def test_metric_services_share_the_budget_of_the_receivers_traces(make_client):
    app, client = make_client(new_names_per_minute=5)
    client.post("/v1/traces", content=as_json(frontend_calls_cart()), headers=JSON)  # 3 of 5
    new = ["a", "b", "c", "d"]

    answer = client.post(
        "/v1/metrics", content=metrics_of(["frontend", *new]).SerializeToString(), headers=PROTOBUF
    )

    assert answer.status_code == 200
    told = ExportMetricsServiceResponse.FromString(answer.content).partial_success
    assert told.rejected_data_points == 4
    assert measured(app) == {"frontend", "a", "b"}
    assert metric(client, "svcmap_names_refused_total", source="otlp", reason=RATE) == 2


def test_services_known_from_their_logs_pass_after_a_restart_when_new_ones_would_not(
    make_client,
):
    _, client = make_client(new_names_per_minute=2)
    client.post("/v1/logs", content=logs_of(["a", "b"]).SerializeToString(), headers=PROTOBUF)
    app, restarted = make_client(new_names_per_minute=2)  # a new process over the same store

    answer = restarted.post(
        "/v1/metrics",
        content=metrics_of(["a", "b", "c", "d", "e"]).SerializeToString(),
        headers=PROTOBUF,
    )

    told = ExportMetricsServiceResponse.FromString(answer.content).partial_success
    assert told.rejected_data_points == 2  # e's: c and d took the budget, a and b are known
    assert measured(app) == {"a", "b", "c", "d"}


def test_json_metrics_past_the_cap_of_services_are_told_in_the_json_answer(make_client):
    app, client = make_client(max_services=2, new_names_per_minute=1000)
    body = MessageToJson(metrics_of(["a", "b", "c"], points=1)).encode()

    answer = client.post("/v1/metrics", content=body, headers=JSON)

    assert answer.status_code == 200
    assert answer.json()["partialSuccess"]["rejectedDataPoints"] == "1"
    assert measured(app) == {"a", "b"}
    (refused,) = app.store.refused_names()
    assert (refused.reason, refused.names, refused.items) == (SERVICES, 1, 1)


def test_thousands_of_huge_log_service_names_are_refused_without_harm(make_client):
    app, client = make_client(new_names_per_minute=5)
    huge = [f"{i:04d}-" + "x" * 4_000 for i in range(1_000)]  # 4 MB of names

    answer = client.post(
        "/v1/logs", content=logs_of(huge, records=1).SerializeToString(), headers=PROTOBUF
    )

    assert answer.status_code == 200
    assert len(logged(app)) == 5
    (refused,) = app.store.refused_names()
    assert (refused.names, refused.items) == (995, 995)


@pytest.fixture
def svcmap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run `svcmap ARGS` on a fresh store with tight caps; its exit status and output."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SVCMAP_MAX_SERVICES", "3")
    monkeypatch.setenv("SVCMAP_NEW_NAMES_PER_MINUTE", "1")
    url = f"sqlite:///{tmp_path / 'svcmap.db'}"

    def run(*args: str) -> tuple[int, str]:
        code = main(["--db", url, *args])
        return code, capsys.readouterr().out

    return run


@pytest.mark.parametrize("signal", ["logs", "metrics"])
def test_an_import_of_logs_or_metrics_keeps_the_cap_of_services_not_the_budget(
    svcmap, tmp_path, signal
):
    services = [f"s{i}" for i in range(10)]
    request = logs_of(services) if signal == "logs" else metrics_of(services)
    document = tmp_path / f"{signal}.json"
    document.write_text(MessageToJson(request))

    code, out = svcmap("import", "--json", str(document))

    assert code == 0, out
    statuses = json.loads(svcmap("sources", "--json")[1])
    (imported,) = [status for status in statuses if status["source"] == "import"]
    (refused,) = imported["refused"]
    assert (refused["reason"], refused["names"], refused["calls"]) == (SERVICES, 7, 14)
