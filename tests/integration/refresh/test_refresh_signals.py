"""Signals pulled from a Prometheus on 127.0.0.1 by a refresh pass, into a real store."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.bootstrap import build_sources, import_desk, refreshing
from bot.settings import load_settings
from bot.usecases.importing import import_file
from bot.usecases.rca import rank_from_store
from bot.usecases.refresh import refresh_once
from tests.conftest import REPO
from tests.integration.refresh.conftest import NOW
from topology.errors import SettingsError
from topology.redaction import Redaction

M = NOW - 90
"""The last whole minute a first pass at NOW (30 s into a minute) asks for."""
RANGE = "/api/v1/query_range"
EMPTY_VECTOR = b'{"status":"success","data":{"resultType":"vector","result":[]}}'


def matrix(*series: tuple[dict[str, str], list[tuple[int, str]]]) -> bytes:
    result = [{"metric": labels, "values": values} for labels, values in series]
    return json.dumps(
        {"status": "success", "data": {"resultType": "matrix", "result": result}}
    ).encode()


@pytest.fixture
def signals_file(tmp_path: Path) -> Path:
    path = tmp_path / "signals.yaml"
    path.write_text(
        "cpu.utilization: sum by (service) (rate(cpu_seconds_total[1m]))\n"
        "queue.depth: max by (service) (queue_messages)\n"
    )
    return path


@pytest.fixture
def prometheus(servers):
    fake = servers()
    fake.json("/api/v1/query", EMPTY_VECTOR)  # no service-graph series: no edges
    return fake


def metric_values(app, start: int, end: int) -> dict[tuple[str, str], tuple[float | None, ...]]:
    found = app.store.metric_series(None, start, end)
    return {
        (service, name): values
        for service, series in found.items()
        for name, values in series.metrics.items()
    }


def test_a_pass_stores_each_signal_per_service_and_minute(make_app, prometheus, signals_file):
    prometheus.json_each(
        RANGE,
        matrix(
            ({"service": "cart"}, [(M + 60, "0.25")]),
            ({"service": "checkout"}, [(M + 60, "0.5")]),
            ({"pod": "no-service-label"}, [(M + 60, "9")]),
        ),
        matrix(({"service": "cart"}, [(M + 60, "12")])),
    )
    app = make_app(prometheus_url=prometheus.url, prometheus_signals_file=str(signals_file))

    report = refresh_once(refreshing(app), holder="test")

    outcomes = {item.name: item for item in report.sources}
    signals = outcomes["prometheus-signals"]
    assert (signals.error, signals.points, signals.left_out) == (None, 3, 1)
    assert signals.to_dict()["points"] == 3
    asked = [r for r in prometheus.requests if r.path == RANGE]
    assert [r.param("query") for r in asked] == [
        "sum by (service) (rate(cpu_seconds_total[1m]))",
        "max by (service) (queue_messages)",
    ]
    # A first pass fills the last hour in: a baseline at once.
    assert {(r.param("start"), r.param("end"), r.param("step")) for r in asked} == {
        (str(M + 60 - 59 * 60), str(M + 60), "60")
    }
    assert metric_values(app, M, M) == {
        ("cart", "cpu.utilization"): (0.25,),
        ("checkout", "cpu.utilization"): (0.5,),
        ("cart", "queue.depth"): (12.0,),
    }
    assert app.states.get("prometheus-signals").high_water == M + 60


def test_a_minute_asked_for_again_holds_the_latest_answer_and_pods_are_averaged(
    make_app, prometheus, signals_file, clock
):
    signals_file.write_text("cpu.utilization: cpu_by_pod\n")
    prometheus.json_each(
        RANGE,
        matrix(({"service": "cart", "pod": "a"}, [(M + 60, "0.2")])),
        # The next pass asks M again (the overlap): two pods now, and the minute after.
        matrix(
            ({"service": "cart", "pod": "a"}, [(M + 60, "0.4"), (M + 120, "0.1")]),
            ({"service": "cart", "pod": "b"}, [(M + 60, "0.6"), (M + 120, "0.3")]),
        ),
    )
    app = make_app(prometheus_url=prometheus.url, prometheus_signals_file=str(signals_file))
    refresh_once(refreshing(app), holder="test")
    assert metric_values(app, M, M) == {("cart", "cpu.utilization"): (0.2,)}

    clock.now += 60
    (_, signals) = refresh_once(refreshing(app), holder="test").sources

    assert (signals.error, signals.points) == (None, 4)
    last = [r for r in prometheus.requests if r.path == RANGE][-1]
    assert (last.param("start"), last.param("end")) == (str(M), str(M + 120))
    # Replaced, not added to: the mean of this answer's pods, nothing of the first.
    assert metric_values(app, M, M + 60) == {("cart", "cpu.utilization"): (0.5, 0.2)}


def test_another_label_may_name_the_service(make_app, prometheus, signals_file):
    prometheus.json_each(
        RANGE,
        matrix(({"job": "cart", "service": "ignored"}, [(M + 60, "1")])),
        matrix(),
    )
    app = make_app(
        prometheus_url=prometheus.url,
        prometheus_signals_file=str(signals_file),
        prometheus_service_label="job",
    )
    refresh_once(refreshing(app), holder="test")
    assert metric_values(app, M, M) == {("cart", "cpu.utilization"): (1.0,)}


def test_a_prometheus_error_fails_the_signal_pass_alone_and_stores_nothing(
    make_app, prometheus, signals_file, api_fixtures
):
    bad = (api_fixtures / "prometheus_error_400_bad_data.CONSTRUCTED.json").read_bytes()
    prometheus.json(RANGE, bad, status=400)
    app = make_app(prometheus_url=prometheus.url, prometheus_signals_file=str(signals_file))

    report = refresh_once(refreshing(app), holder="test")

    outcomes = {item.name: item for item in report.sources}
    assert outcomes["prometheus"].error is None  # the edges were asked and answered
    error = outcomes["prometheus-signals"].error or ""
    assert "prometheus-signals: GET /api/v1/query_range: HTTP 400" in error
    assert "no expression found" in error
    assert metric_values(app, M - 3600, M + 60) == {}
    state = app.states.get("prometheus-signals")
    assert (state.high_water, state.last_error_at) == (None, NOW)


def test_a_service_past_the_caps_on_new_names_is_refused_and_counted(
    make_app, prometheus, signals_file
):
    signals_file.write_text("cpu.utilization: cpu\n")
    prometheus.json(RANGE, matrix(*(({"service": f"svc-{i}"}, [(M + 60, "1")]) for i in range(5))))
    app = make_app(
        prometheus_url=prometheus.url, prometheus_signals_file=str(signals_file), max_services=2
    )

    (_, signals) = refresh_once(refreshing(app), holder="test").sources

    assert (signals.points, signals.left_out) == (2, 3)
    assert len(metric_values(app, M, M)) == 2


def test_signals_without_a_prometheus_are_refused_as_settings(tmp_path, signals_file):
    with pytest.raises(SettingsError, match="SVCMAP_PROMETHEUS_SIGNALS_FILE needs"):
        load_settings(
            database_url=f"sqlite:///{tmp_path / 'x.db'}", prometheus_signals_file=str(signals_file)
        )


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "cannot read the signals: No such file or directory"),
        (b"\xff\xfe", "cannot read the signals: not UTF-8 text"),
        (b"- a list\n", "expected a mapping of metric names to PromQL queries"),
    ],
)
def test_an_unreadable_signals_file_stops_the_start_with_its_name(tmp_path, content, said):
    path = tmp_path / "signals.yaml"
    if content is not None:
        path.write_bytes(content)
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        prometheus_url="http://127.0.0.1:1",
        prometheus_signals_file=str(path),
    )
    with pytest.raises(SettingsError) as caught:
        build_sources(settings)
    assert str(caught.value) == f"{path}: {said}"


def test_a_bad_service_label_is_refused_as_a_setting(tmp_path):
    with pytest.raises(SettingsError, match="SVCMAP_PROMETHEUS_SERVICE_LABEL"):
        load_settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", prometheus_service_label="a-b")


SHOP_QUIET = 1_777_600_200
"""2026-05-01T01:50:00Z: the sample shop's traces look like their baseline here."""


def test_a_pulled_signal_off_its_baseline_names_its_service_as_a_root_cause(
    make_app, prometheus, signals_file, clock
):
    signals_file.write_text("cpu.utilization: sum by (service) (rate(cpu_seconds_total[1m]))\n")
    at, window = SHOP_QUIET, 10 * 60
    first = at - 80 * 60
    values = [  # about 0.2 in the baseline, 0.95 in the window
        (minute + 60, "0.95" if minute > at - window else f"{0.19 + minute // 60 % 3 * 0.01:.2f}")
        for minute in range(first, at + 60, 60)
    ]
    steady = [(minute + 60, "0.3") for minute in range(first, at + 60, 60)]
    prometheus.json(RANGE, matrix(({"service": "currency"}, values), ({"service": "cart"}, steady)))
    app = make_app(prometheus_url=prometheus.url, prometheus_signals_file=str(signals_file))
    clock.now = at + 90
    for path in sorted((REPO / "samples" / "traces").glob("*.json")):
        import_file(import_desk(app), path)
    app.states.record_success("prometheus-signals", high_water=first, now_s=first, spans=0)
    while app.states.get("prometheus-signals").high_water <= at:  # a pass asks an hour at most
        (_, signals) = refresh_once(refreshing(app), holder="test").sources
        assert signals.error is None

    reads = SimpleNamespace(store=app.store, catalog=app.catalogs.current(), redaction=Redaction())
    ranking = rank_from_store(reads, "frontend", at, window, 60 * 60)

    top = ranking.candidates[0]
    assert (top.service, top.signals) == ("currency", ("metrics",))
    assert "cpu.utilization 0.2 → 0.95" in top.evidence
    assert "cart" not in [candidate.service for candidate in ranking.candidates]
