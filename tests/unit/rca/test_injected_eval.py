from datetime import UTC, datetime, timedelta

import pytest

from eval.injected import chosen, gained, read_spans, shift
from eval.nezha import Fault
from eval.otlp_spans import entry_service

AT = datetime(2023, 1, 29, 9, 0, tzinfo=UTC)
T0 = int(AT.timestamp() * 1e9) + 10_000_000_000  # ten seconds into the window
MS = 1_000_000


def span(span_id: str, parent: str, start_ms: int, end_ms: int) -> dict[str, object]:
    return {
        "traceId": "t1",
        "spanId": span_id,
        "parentSpanId": parent,
        "startTimeUnixNano": str(T0 + start_ms * MS),
        "endTimeUnixNano": str(T0 + end_ms * MS),
    }


def document(*by_service: tuple[str, list[dict[str, object]]]) -> dict[str, object]:
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": name}}]
                },
                "scopeSpans": [{"spans": spans}],
            }
            for name, spans in by_service
        ]
    }


def shop() -> dict[str, object]:
    """gateway -> checkout -> route: each call a client span in the caller, a server span in
    the callee; checkout spends 30 ms of its own around its call."""
    return document(
        ("gateway", [span("root", "", 0, 100), span("c1", "root", 5, 95)]),
        ("checkout", [span("s1", "c1", 10, 90), span("c2", "s1", 20, 60)]),
        ("route", [span("s2", "c2", 25, 55)]),
    )


def later(kind: str, service: str, amount: float, at: datetime = AT) -> dict[str, int]:
    spans = read_spans([shop()])
    found = gained(spans, [Fault(at, kind, service)], kind, amount)
    return {key[1]: extra // MS for key, extra in found.items()}


def test_a_delay_on_a_leaf_answers_its_callers_late_and_leaves_its_own_spans():
    assert later("delay", "route", 7 * MS) == {"c2": 7, "s1": 7, "c1": 7, "root": 7}


def test_a_delay_on_a_service_in_the_middle_delays_both_what_it_answers_and_asks():
    assert later("delay", "checkout", 7 * MS) == {"c2": 7, "s1": 7, "c1": 14, "root": 14}


def test_a_slowed_cpu_stretches_the_service_self_time_and_what_waits_for_it():
    # checkout's self time: 40 ms in its server span around its call, and 10 ms in the
    # client span around route's answer; each takes three times as long.
    assert later("cpu", "checkout", 3.0) == {"c2": 20, "s1": 100, "c1": 100, "root": 100}


def test_spans_outside_the_window_are_left_as_they_were():
    assert later("delay", "route", 7 * MS, at=AT - timedelta(hours=1)) == {}


def test_every_copy_of_a_span_moves_and_nothing_else_does():
    first, second = shop(), shop()
    spans = read_spans([first, second])

    shift([first, second], {("t1", "c1"): 5 * MS})

    for moved in (first, second):
        assert read_spans([moved])[("t1", "c1")].end == spans[("t1", "c1")].end + 5 * MS
        assert read_spans([moved])[("t1", "root")] == spans[("t1", "root")]


@pytest.mark.parametrize("seed", range(5))
def test_services_are_chosen_apart_from_the_windows_own_fault_and_not_twice_an_hour(seed):
    windows = [AT + timedelta(minutes=10 * i) for i in range(12)]
    own = ["a" if i % 2 else "b" for i in range(12)]

    picked = chosen(windows, ["a", "b", "c", "d", "e", "f", "g", "h"], own, seed)

    assert all(p != o for p, o in zip(picked, own, strict=True))
    last: dict[str, datetime] = {}
    for at, name in zip(windows, picked, strict=True):
        assert name not in last or at - last[name] > timedelta(hours=1)
        last[name] = at


def test_the_symptom_asked_is_the_service_that_starts_the_most_traces():
    second_trace = document(("frontend", [span("r2", "", 0, 10)]), ("gateway", []))
    assert entry_service([shop()]) == "gateway"
    assert entry_service([shop(), second_trace, second_trace]) == "frontend"


def test_no_symptom_is_guessed_from_spans_that_all_have_parents():
    orphans = document(("checkout", [span("s1", "c1", 10, 90)]), ("route", []))
    assert entry_service([orphans, {"resourceSpans": "not a list"}]) is None
