"""`svcmap refresh` and `svcmap sources` against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from bot.cli.main import main


@pytest.fixture
def svcmap(database_url, monkeypatch, tmp_path, capsys):
    """Run `svcmap ARGS...` in this process; return (exit status, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)  # no .env of the developer's

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", database_url, *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def zipkin(servers, api_fixtures, monkeypatch):
    fake = servers()
    fake.json("/api/v2/services", (api_fixtures / "zipkin_v2_services.json").read_bytes())
    fake.json("/api/v2/traces", (api_fixtures / "zipkin_v2_traces.CONSTRUCTED.json").read_bytes())
    monkeypatch.setenv("SVCMAP_ZIPKIN_URL", fake.url)
    for tier in ("MINUTES", "HOURS", "DAYS"):  # back to the recorded spans' 2018
        monkeypatch.setenv(f"SVCMAP_RETAIN_{tier}", "4000d")
    return fake


@pytest.fixture
def broken_prometheus(servers, api_fixtures, monkeypatch):
    fake = servers()
    bad = (api_fixtures / "prometheus_error_400_bad_data.CONSTRUCTED.json").read_bytes()
    fake.json("/api/v1/query", bad, status=400)
    monkeypatch.setenv("SVCMAP_PROMETHEUS_URL", fake.url)
    return fake


def test_refresh_says_clearly_when_no_source_is_configured(svcmap):
    code, out, _ = svcmap("refresh")
    assert code == 0
    assert "no sources configured" in out
    assert "no sources configured" in svcmap("sources")[1]


def test_refresh_prints_each_source_and_succeeds_when_one_source_does(
    svcmap, zipkin, broken_prometheus
):
    code, out, _ = svcmap("refresh")
    assert code == 0
    zipkin_line, prometheus_line = out.splitlines()
    assert zipkin_line.startswith("zipkin: ")
    assert "spans" in zipkin_line
    assert "calls new" in zipkin_line
    assert "error" not in zipkin_line
    assert prometheus_line.startswith("prometheus: 0 spans, 0 calls new, error: ")
    assert "HTTP 400" in prometheus_line
    edges = json.loads(svcmap("edges", "--json")[1])
    assert edges


def test_refresh_fails_when_every_source_fails(svcmap, broken_prometheus):
    code, out, _ = svcmap("refresh", "--json")
    assert code == 1
    (failed,) = json.loads(out)["sources"]
    assert "HTTP 400" in failed["error"]


def test_sources_shows_the_lag_and_the_last_error_of_each_source(svcmap, zipkin, broken_prometheus):
    svcmap("refresh")
    code, out, _ = svcmap("sources", "--json")
    assert code == 0
    statuses = {status["source"]: status for status in json.loads(out)}
    assert statuses["zipkin"]["last_error"] is None
    assert 0 <= statuses["zipkin"]["lag_s"] < 60
    assert statuses["zipkin"]["stale"] is False
    assert "HTTP 400" in statuses["prometheus"]["last_error"]
    assert statuses["prometheus"]["lag_s"] is None
    assert statuses["prometheus"]["stale"] is True
    table = svcmap("sources")[1].splitlines()
    assert table[0].split()[:3] == ["SOURCE", "LAST", "SUCCESS"]
    assert table[1].startswith("zipkin ")
    assert " ok " in table[1]
    assert table[2].startswith("prometheus ")
    assert "never pulled" in table[2]
    assert "HTTP 400" in table[2]


def test_refresh_tells_the_signal_points_stored_and_left_out(
    svcmap, servers, monkeypatch, tmp_path
):
    fake = servers()
    fake.json("/api/v1/query", b'{"status":"success","data":{"resultType":"vector","result":[]}}')
    result = [
        {"metric": {"service": "cart"}, "values": [[1_000_000_020, "1"]]},  # long before
        {"metric": {"pod": "cart-1"}, "values": [[1_000_000_020, "1"]]},  # no service
    ]
    body = {"status": "success", "data": {"resultType": "matrix", "result": result}}
    fake.json("/api/v1/query_range", json.dumps(body).encode())
    signals = tmp_path / "signals.yaml"
    signals.write_text("cpu: sum by (service) (rate(cpu_seconds_total[1m]))\n")
    monkeypatch.setenv("SVCMAP_PROMETHEUS_URL", fake.url)
    monkeypatch.setenv("SVCMAP_PROMETHEUS_SIGNALS_FILE", str(signals))

    code, out, _ = svcmap("refresh")

    assert code == 0
    assert out.splitlines() == [
        "prometheus: 0 spans, 0 calls new",
        "prometheus-signals: 0 metric points, 2 left out",
    ]
    (_, signal_pass) = json.loads(svcmap("refresh", "--json")[1])["sources"]
    assert (signal_pass["source"], signal_pass["points"], signal_pass["error"]) == (
        "prometheus-signals",
        0,
        None,
    )
