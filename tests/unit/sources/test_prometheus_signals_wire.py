"""Prometheus range answers read as per-service signals, and the signals file, by pure functions."""

from __future__ import annotations

import json

import pytest

from bot.adapters.sources.prometheus_signals import (
    MAX_SERIES,
    MAX_SIGNALS,
    parse_signal_matrix,
    signals_of,
)
from topology.errors import SettingsError, SourceError
from topology.model import MAX_NAME_LENGTH
from topology.signals.model import MetricPoint

M = 1_722_945_600
"""A whole minute."""
ASKED = (M, M + 180)
"""Three minutes asked for."""


def _matrix(*series: tuple[dict[str, str], list[tuple[float, str]]]) -> bytes:
    result = [{"metric": labels, "values": values} for labels, values in series]
    return json.dumps(
        {"status": "success", "data": {"resultType": "matrix", "result": result}}
    ).encode()


def _read(data: bytes, label: str = "service", minutes: tuple[int, int] = ASKED):
    return parse_signal_matrix(data, metric="cpu", label=label, minutes=minutes, source="p: cpu")


def test_a_sample_at_the_end_of_a_minute_is_that_minutes_value():
    data = _matrix(({"service": "cart"}, [(M + 60, "0.25"), (M + 120, "0.5"), (M + 180, "1")]))

    read = _read(data)

    assert read.points == [
        MetricPoint("cart", "cpu", M, 0.25),
        MetricPoint("cart", "cpu", M + 60, 0.5),
        MetricPoint("cart", "cpu", M + 120, 1.0),
    ]
    assert (read.unlabelled, read.unusable) == (0, 0)


def test_the_documentations_range_answer_reads_with_its_own_label_as_the_service(payload):
    data = payload("prometheus_query_range_matrix_docs.json")
    start = 1435781430 - 1435781430 % 60 - 60  # its samples fall in two minutes from here

    read = parse_signal_matrix(
        data, metric="up", label="job", minutes=(start, start + 180), source="p"
    )

    assert {(p.service, p.minute) for p in read.points} == {
        ("prometheus", start),
        ("prometheus", start + 60),
        ("node", start),
        ("node", start + 60),
    }
    assert len(read.points) == 6  # several samples in a minute are all kept: stored averaged
    assert read.unlabelled == 0


def test_series_without_the_label_and_samples_not_usable_are_left_out_and_counted():
    data = _matrix(
        ({"pod": "cart-1"}, [(M + 60, "1")]),
        ({"service": ""}, [(M + 60, "1")]),
        (
            {"service": "cart"},
            [(M + 60, "NaN"), (M + 120, "+Inf"), (M + 600, "1"), (M, "1"), (M + 180, "2")],
        ),
    )

    read = _read(data)

    assert read.points == [MetricPoint("cart", "cpu", M + 120, 2.0)]
    assert (read.unlabelled, read.unusable) == (2, 4)


def test_a_service_name_is_cleaned_as_a_spans_is():
    long = "x" * 300
    data = _matrix(
        ({"service": " cart\u0000 "}, [(M + 60, "1")]),
        ({"service": long}, [(M + 60, "2")]),
        ({"service": " \u0000 "}, [(M + 60, "3")]),
    )

    read = _read(data)

    assert [(p.service, p.value) for p in read.points] == [
        ("cart", 1.0),
        (long[:MAX_NAME_LENGTH], 2.0),
    ]
    assert read.unlabelled == 1


def test_an_empty_answer_gives_nothing(payload):
    read = _read(payload("prometheus_query_range_empty.json"))
    assert (read.points, read.unlabelled, read.unusable) == ([], 0, 0)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b'{"status":"error","errorType":"bad_data","error":"parse error at char 5"}', "bad_data"),
        (b'{"status":"success","data":{"resultType":"vector","result":[]}}', "got vector"),
        (b'{"status":"success"}', "got nothing"),
        (b'{"status":"success","data":{"resultType":"matrix","result":[', "not JSON"),
        (b"<html>bad gateway</html>", "not JSON"),
        (_matrix(({"service": "cart"}, [(M + 60, "lots")])), "not a sample value: lots"),
        (
            b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"service":7}}]}}',
            "not the expected answer",
        ),
        (
            b'{"status":"success","data":{"resultType":"matrix","result":[{"values":[[1]]}]}}',
            "not the expected answer",
        ),
    ],
)
def test_a_bad_answer_is_a_source_error_naming_the_signal(body, said):
    with pytest.raises(SourceError) as caught:
        _read(body)
    assert str(caught.value).startswith("p: cpu: ")
    assert said in str(caught.value)


def test_a_signals_file_names_metrics_and_their_queries_in_order():
    text = """
k8s.pod.cpu_limit_utilization: >-
  sum by (service) (rate(container_cpu_usage_seconds_total{container!=''}[1m]))
  / sum by (service) (kube_pod_container_resource_limits{resource='cpu'})
queue.depth: "sum by (service) (rabbitmq_queue_messages)"
"""
    found = signals_of(text, source="signals.yaml")

    assert list(found) == ["k8s.pod.cpu_limit_utilization", "queue.depth"]
    assert found["queue.depth"] == "sum by (service) (rabbitmq_queue_messages)"
    assert found["k8s.pod.cpu_limit_utilization"].startswith("sum by (service) (rate(")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("cpu: [unclosed", "not valid YAML (line 1)"),
        ("- cpu\n- memory\n", "expected a mapping"),
        ("", "expected a mapping"),
        ("{}", "expected a mapping"),
        ("7: up\n", "a metric name is text"),
        ("'': up\n", "a metric name is text"),
        (f"{'x' * 201}: up\n", "a metric name is text"),
        ("cpu:\n", "the query is PromQL text"),
        ("cpu: 7\n", "the query is PromQL text"),
        ("cpu: '  '\n", "the query is PromQL text"),
        ("cpu: [up]\n", "the query is PromQL text"),
        (f"cpu: {'x' * 10_001}\n", "the query is PromQL text"),
        ('"cpu\\u0007": up\n', "one line of printable text"),
        ("cpu: up\n' cpu': down\n", "named twice"),
        ("".join(f"m{i}: up\n" for i in range(MAX_SIGNALS + 1)), f"at most {MAX_SIGNALS}"),
        ("a: " + "x" * 1_000_001, "larger than"),
    ],
)
def test_a_bad_signals_file_is_a_settings_error_naming_it(text, said):
    with pytest.raises(SettingsError) as caught:
        signals_of(text, source="signals.yaml")
    assert str(caught.value).startswith("signals.yaml: ")
    assert said in str(caught.value)


def test_an_answer_of_more_series_than_services_could_give_is_refused_whole():
    many = [({"service": f"s{i}"}, [(M + 60, "1")]) for i in range(MAX_SERIES + 1)]
    with pytest.raises(SourceError, match="sum the query by the service label"):
        _read(_matrix(*many))
    assert len(_read(_matrix(*many[:MAX_SERIES])).points) == MAX_SERIES
