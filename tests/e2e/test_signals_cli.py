"""`svcmap import` of OTLP logs and metrics files: stored as counts and means, once."""

import json

from sqlalchemy import create_engine

from bot.adapters.store import Store

T0 = 1_700_000_040


def store_of(tmp_path):
    return Store(create_engine(f"sqlite:///{tmp_path / 'svcmap.db'}"))


def test_logs_and_metrics_files_are_imported_and_read_back(svcmap, fixtures_dir, tmp_path):
    signals = fixtures_dir / "signals"
    done = svcmap(
        "import",
        "--json",
        signals / "otlp_logs.CONSTRUCTED.json",
        signals / "otlp_metrics.CONSTRUCTED.json",
    )

    assert done.code == 0, done.err
    logs, metrics = done.json()["imported"]
    assert (logs["kind"], logs["read"], logs["stored"]) == ("logs", 7, 7)
    assert (metrics["kind"], metrics["stored"]) == ("metrics", 10)
    store = store_of(tmp_path)
    checkout = store.log_series(["checkout"], T0, T0 + 60)["checkout"]
    assert checkout.metrics["level:INFO"] == (2, 1)
    assert checkout.metrics["level:ERROR"] == (0, 1)
    assert checkout.metrics["template:order <NUM> placed by user <NUM> in <NUM> ms"] == (2, 0)
    cpu = store.metric_series(["checkout"], T0, T0 + 60)["checkout"].metrics
    assert cpu["process.cpu.utilization"] == (0.5, 1.0)


def test_importing_the_same_logs_again_counts_nothing_more(svcmap, fixtures_dir, tmp_path):
    path = fixtures_dir / "signals" / "otlp_logs.CONSTRUCTED.json"
    assert svcmap("import", path).code == 0
    again = svcmap("import", "--json", path)

    assert again.json()["imported"][0]["stored"] == 0
    assert again.json()["imported"][0]["duplicates"] == 7
    series = store_of(tmp_path).log_series(["checkout"], T0, T0)["checkout"]
    assert series.metrics["level:INFO"] == (2,)


def test_a_malformed_logs_file_is_named_and_nothing_of_it_is_stored(svcmap, tmp_path):
    good = {"timeUnixNano": str(T0 * 10**9), "body": {"stringValue": "fine"}}
    bad = {"timeUnixNano": "noon", "body": {"stringValue": "broken"}}
    doc = {"resourceLogs": [{"scopeLogs": [{"logRecords": [good, bad]}]}]}
    path = tmp_path / "logs.json"
    path.write_text(json.dumps(doc))

    done = svcmap("import", path)

    assert done.code == 1
    assert (
        f"{path}: $.resourceLogs[0].scopeLogs[0].logRecords[1].timeUnixNano: "
        "not a time in nanoseconds: 'noon' (nothing imported from it)"
    ) in done.err
    assert store_of(tmp_path).log_series(None, 0, T0 + 60) == {}


def test_text_output_says_what_each_signal_file_gave(svcmap, fixtures_dir):
    signals = fixtures_dir / "signals"
    done = svcmap(
        "import", signals / "otlp_logs.CONSTRUCTED.json", signals / "otlp_metrics.CONSTRUCTED.json"
    )

    assert "otlp_logs.CONSTRUCTED.json: 7 log records, 7 stored" in done.out
    assert "otlp_metrics.CONSTRUCTED.json: 10 metric points, 10 stored" in done.out


def test_json_lines_of_logs_documents_are_imported(svcmap, tmp_path):
    def line(body, at):
        record = {
            "timeUnixNano": str(at * 10**9),
            "severityNumber": 13,
            "body": {"stringValue": body},
        }
        attributes = [{"key": "service.name", "value": {"stringValue": "cart"}}]
        resource = {"resource": {"attributes": attributes}, "scopeLogs": [{"logRecords": [record]}]}
        return json.dumps({"resourceLogs": [resource]})

    path = tmp_path / "logs.jsonl"
    path.write_text(f"{line('retry 1 of 3', T0)}\n{line('retry 2 of 3', T0 + 61)}\n")

    done = svcmap("import", "--json", path)

    assert done.code == 0, done.err
    assert done.json()["imported"][0]["stored"] == 2
    series = store_of(tmp_path).log_series(["cart"], T0, T0 + 60)["cart"]
    assert series.metrics == {
        "level:WARN": (1, 1),
        "template:retry <NUM> of <NUM>": (1, 1),
    }


def test_what_the_caps_left_out_is_shown_by_svcmap_sources(svcmap, fixtures_dir, tmp_path):
    (tmp_path / ".env").write_text("SVCMAP_LOG_TEMPLATE_CAP=2\nSVCMAP_METRIC_NAME_CAP=3\n")
    signals = fixtures_dir / "signals"
    done = svcmap(
        "import", signals / "otlp_logs.CONSTRUCTED.json", signals / "otlp_metrics.CONSTRUCTED.json"
    )
    assert "3 under the other template (template cap)" in done.out
    assert "5 dropped (metric name cap)" in done.out

    shown = svcmap("sources")

    assert shown.code == 0, shown.err
    assert (
        "capped checkout: 3 log records under <other> (SVCMAP_LOG_TEMPLATE_CAP), "
        "5 metric points dropped (SVCMAP_METRIC_NAME_CAP)"
    ) in shown.out


def test_a_malformed_metrics_file_is_named_and_nothing_of_it_is_stored(svcmap, tmp_path):
    good = {"timeUnixNano": str(T0 * 10**9), "asDouble": 1.0}
    bad = {"timeUnixNano": str(T0 * 10**9), "asInt": "many"}
    metric = {"name": "cpu", "gauge": {"dataPoints": [good, bad]}}
    doc = {"resourceMetrics": [{"scopeMetrics": [{"metrics": [metric]}]}]}
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(doc))

    done = svcmap("import", path)

    assert done.code == 1
    assert (
        f"{path}: $.resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[1].asInt: "
        "not a number: 'many' (nothing imported from it)"
    ) in done.err
    assert store_of(tmp_path).metric_series(None, 0, T0 + 60) == {}
