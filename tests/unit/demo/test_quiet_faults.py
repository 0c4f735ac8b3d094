"""Faults that show only at the callers' side of calls, or only in the service's logs."""

import random

import httpx
import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

from bot.demo.alerting import AlertmanagerWebhook
from bot.demo.faults import MAX_LATENCY_MS, Fault, FaultBoard
from bot.demo.logs import ERROR, INFO, NS_PER_MINUTE, exception_logs, minute_logs
from bot.demo.otlp import export_logs
from bot.demo.shop import SERVICES
from bot.demo.simulator import LOGS_PATH, TRACES_PATH, Simulator, Traffic
from bot.demo.traces import CLIENT, SERVER, build_trace
from topology.errors import UsageError

START = 1_800_000_000 * 10**9


def traffic(seed, count, faults=None):
    rng = random.Random(seed)  # noqa: S311 - simulated traffic, not secrets
    return [s for n in range(count) for s in build_trace(rng, START + n * 10**9, faults or {})]


def median_ms(spans, kind, service, *, into=None):
    values = sorted(
        s.end_ns - s.start_ns
        for s in spans
        if s.kind == kind
        and s.service == service
        and (into is None or s.attrs.get("rpc.service") == into)
    )
    return values[len(values) // 2] / 1e6


def test_a_network_fault_slows_the_callers_client_spans_and_not_the_services_own():
    healthy = traffic(4, 800)
    delayed = traffic(4, 800, {"cart": Fault("cart", network_ms=500)})

    assert median_ms(healthy, CLIENT, "checkout", into="cart") < 10
    assert median_ms(delayed, CLIENT, "checkout", into="cart") > 400
    own = median_ms(healthy, SERVER, "cart"), median_ms(delayed, SERVER, "cart")
    assert abs(own[0] - own[1]) < 1


def test_a_network_fault_fails_nothing():
    delayed = traffic(4, 800, {"cart": Fault("cart", network_ms=500)})

    cart = [s for s in delayed if s.service == "cart" and s.kind == SERVER]
    assert sum(s.error for s in cart) / len(cart) < 0.01


def test_an_exceptions_fault_answers_as_usual_and_marks_about_the_share_asked():
    healthy = traffic(3, 2_000)
    throwing = traffic(3, 2_000, {"payment": Fault("payment", exceptions=0.3)})

    served = [s for s in throwing if s.kind == SERVER and s.service == "payment"]
    share = sum(s.exception for s in served) / len(served)
    assert 0.2 < share < 0.4
    assert sum(s.error for s in served) / len(served) < 0.03
    assert abs(median_ms(healthy, SERVER, "payment") - median_ms(throwing, SERVER, "payment")) < 20
    assert not any(s.exception for s in healthy)


def test_each_request_on_the_exception_path_writes_one_error_line_with_its_exception():
    throwing = traffic(3, 500, {"payment": Fault("payment", exceptions=0.3)})

    lines = exception_logs(throwing)

    marked = [s for s in throwing if s.exception]
    assert len(lines) == len(marked) > 0
    line = lines[0]
    assert (line.service, line.severity) == ("payment", ERROR)
    assert line.body.startswith("Charge failed: TypeError: ")
    assert line.trace_id == marked[0].trace_id
    assert line.attrs["exception.type"] == "TypeError"
    assert "exception.stacktrace" in line.attrs


def test_every_service_writes_a_few_info_lines_each_minute_within_it():
    lines = minute_logs(random.Random(1), START)  # noqa: S311 - simulated logs

    assert {line.service for line in lines} == set(SERVICES)
    assert all(START <= line.time_ns < START + NS_PER_MINUTE for line in lines)
    per_service = [sum(line.service == s for line in lines) for s in SERVICES]
    assert min(per_service) >= 3
    assert max(per_service) <= 6
    assert {line.severity for line in lines} <= {INFO, "WARN"}
    assert lines == minute_logs(random.Random(1), START)  # noqa: S311 - simulated logs


def test_log_lines_go_out_as_an_otlp_logs_export_per_service():
    throwing = traffic(3, 300, {"payment": Fault("payment", exceptions=0.5)})
    lines = minute_logs(random.Random(2), START) + exception_logs(throwing)  # noqa: S311 - a seeded demo, not a secret

    request = ExportLogsServiceRequest.FromString(export_logs(lines))

    by_service = {
        next(a.value.string_value for a in group.resource.attributes if a.key == "service.name"): [
            record for scope in group.scope_logs for record in scope.log_records
        ]
        for group in request.resource_logs
    }
    assert set(by_service) == set(SERVICES)
    errors = [r for r in by_service["payment"] if r.severity_text == ERROR]
    assert errors
    assert errors[0].severity_number == 17
    assert len(errors[0].trace_id) == 16
    assert errors[0].body.string_value.startswith("Charge failed")
    assert sum(len(records) for records in by_service.values()) == len(lines)


def test_the_board_refuses_network_delays_and_shares_of_exceptions_out_of_range():
    board = FaultBoard(frozenset({"cart"}))
    with pytest.raises(UsageError):
        board.put(Fault("cart", network_ms=MAX_LATENCY_MS + 1))
    with pytest.raises(UsageError):
        board.put(Fault("cart", exceptions=1.5))
    board.put(Fault("cart", network_ms=500, exceptions=0.3))
    assert board.current()["cart"].to_dict() == {
        "service": "cart",
        "errors": 0.0,
        "latency_ms": 0.0,
        "latency_ms_per_min": 0.0,
        "network_ms": 500,
        "exceptions": 0.3,
        "since": None,
    }


NOW_S = 1_800_000_000


def simulated(traffic, *, logs_status=200):
    """A simulator over a fake svcmap; the bodies it posted, by path."""
    posted: dict[str, list[bytes]] = {}

    def answer(request: httpx.Request) -> httpx.Response:
        posted.setdefault(request.url.path, []).append(request.content)
        return httpx.Response(logs_status if request.url.path == LOGS_PATH else 200)

    client = httpx.Client(base_url="http://svcmap", transport=httpx.MockTransport(answer))
    webhook = AlertmanagerWebhook(client, external_url="http://svcmap", token="t")
    board = FaultBoard(frozenset(SERVICES))
    return Simulator(client, board, webhook, clock=lambda: NOW_S, traffic=traffic), posted


def records(bodies):
    return [
        record
        for body in bodies
        for group in ExportLogsServiceRequest.FromString(body).resource_logs
        for scope in group.scope_logs
        for record in scope.log_records
    ]


def test_the_history_sends_each_minutes_log_lines_as_a_collector_would():
    simulator, posted = simulated(Traffic(history_s=600))

    simulator.backfill()

    sent = records(posted[LOGS_PATH])
    minutes = {r.time_unix_nano // NS_PER_MINUTE for r in sent}
    assert len(minutes) >= 9
    assert max(r.time_unix_nano for r in sent) < NOW_S * 10**9
    assert simulator.sent_logs == len(sent)
    assert posted[TRACES_PATH]


def test_no_log_lines_are_sent_before_the_resume_time():
    resume = NOW_S - 180
    simulator, posted = simulated(Traffic(history_s=600, resume_s=resume))

    simulator.backfill()

    assert min(r.time_unix_nano for r in records(posted[LOGS_PATH])) >= resume * 10**9


def test_a_svcmap_that_takes_no_logs_still_gets_the_spans():
    simulator, posted = simulated(Traffic(history_s=600), logs_status=404)

    simulator.backfill()

    assert len(posted[LOGS_PATH]) == 1
    assert simulator.sent_logs == 0
    assert len(posted[TRACES_PATH]) > 1


def test_a_fault_acts_only_on_requests_arriving_after_it_was_put_in_force():
    simulator, _ = simulated(Traffic(history_s=600))
    since = NOW_S - 300
    faults = {"payment": Fault("payment", exceptions=1.0, since=since)}

    spans = simulator.spans_between((NOW_S - 600) * 10**9, NOW_S * 10**9, faults=faults)

    thrown = [s for s in spans if s.exception]
    served = [s for s in spans if s.service == "payment" and s.kind == SERVER]
    assert thrown
    assert min(s.start_ns for s in thrown) >= since * 10**9
    assert any(s.start_ns < since * 10**9 and not s.exception for s in served)
