"""Storing log and metric evidence, and reading it back as per-minute series."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.adapters.store import Store
from topology.retention import Retention
from topology.signals.model import LogRecord, MetricPoint
from topology.signals.templates import OTHER_TEXT

T0 = 1_700_000_040


def record(service, body, *, minute=T0, level="INFO", digest=None):
    key = digest if digest is not None else hash((service, body, minute, level)) & (2**62)
    return LogRecord(service, minute, level, body, key)


def test_log_counts_come_back_per_level_and_template_with_zeros_in_quiet_minutes(store: Store):
    store.ingest_logs(
        [
            record("cart", "user 1 logged in", digest=1),
            record("cart", "user 2 logged in", digest=2),
            record("cart", "disk full", level="ERROR", minute=T0 + 120, digest=3),
            record("web", "hello", digest=4),
        ],
        cap=200,
    )

    series = store.log_series(["cart"], T0, T0 + 180)

    assert list(series) == ["cart"]
    cart = series["cart"]
    assert cart.t == (T0, T0 + 60, T0 + 120, T0 + 180)
    assert cart.metrics["level:INFO"] == (2, 0, 0, 0)
    assert cart.metrics["level:ERROR"] == (0, 0, 1, 0)
    assert cart.metrics["template:user <NUM> logged in"] == (2, 0, 0, 0)
    assert cart.metrics["template:disk full"] == (0, 0, 1, 0)
    assert set(cart.metrics) == {
        "level:INFO",
        "level:ERROR",
        "template:user <NUM> logged in",
        "template:disk full",
    }


def test_every_service_with_data_in_the_range_answers_when_none_are_named(store: Store):
    store.ingest_logs(
        [record("a", "x", digest=1), record("b", "y", minute=T0 + 600, digest=2)], cap=9
    )

    assert list(store.log_series(None, T0, T0 + 60)) == ["a"]
    assert list(store.log_series(None, T0, T0 + 600)) == ["a", "b"]
    assert store.log_series(None, T0 + 60, T0 + 300) == {}


def test_the_same_records_stored_again_are_not_counted_again(store: Store):
    records = [record("cart", f"line {i}", digest=i) for i in range(1, 6)]
    first = store.ingest_logs(records, cap=200)
    again = store.ingest_logs([*records, record("cart", "line 6", digest=6)], cap=200)

    assert (first.records, first.duplicates) == (5, 0)
    assert (again.records, again.duplicates) == (1, 5)
    assert store.log_series(["cart"], T0, T0)["cart"].metrics["level:INFO"] == (6,)


def test_a_template_keeps_its_id_across_stores_and_widens_in_place(engine):
    Store(engine).ingest_logs([record("cart", "user alice logged in", digest=1)], cap=200)
    Store(engine).ingest_logs([record("cart", "user bob logged in", digest=2)], cap=200)
    Store(engine).ingest_logs([record("cart", "user carol logged in", digest=3)], cap=200)

    metrics = Store(engine).log_series(["cart"], T0, T0)["cart"].metrics
    templates = {key: value for key, value in metrics.items() if key.startswith("template:")}
    assert templates == {"template:user <*> logged in": (3,)}


def test_templates_past_the_cap_count_under_the_other_template_and_are_counted(store: Store):
    lines = ["alpha one", "beta two three", "gamma four five six", "delta"]
    result = store.ingest_logs(
        [record("cart", line, digest=i) for i, line in enumerate(lines, 1)], cap=2
    )

    metrics = store.log_series(["cart"], T0, T0)["cart"].metrics
    assert result.folded == 2
    assert metrics[f"template:{OTHER_TEXT}"] == (2,)
    assert sum(1 for key in metrics if key.startswith("template:")) == 3
    assert store.signal_drops() == {"cart": {"log_records_folded": 2}}


def test_metric_values_are_the_mean_of_the_minutes_points_and_none_elsewhere(store: Store):
    store.ingest_metrics(
        [
            MetricPoint("cart", "cpu", T0, 0.5),
            MetricPoint("cart", "cpu", T0, 1.5),
            MetricPoint("cart", "cpu", T0 + 120, 3.0),
            MetricPoint("web", "mem", T0, 7.0),
        ],
        cap=64,
    )

    series = store.metric_series(["cart", "nobody"], T0, T0 + 120)

    assert list(series) == ["cart"]
    assert series["cart"].t == (T0, T0 + 60, T0 + 120)
    assert series["cart"].metrics == {"cpu": (1.0, None, 3.0)}


def test_an_exact_metric_reimport_leaves_the_means_as_they_were(store: Store):
    points = [MetricPoint("cart", "cpu", T0, 1.0), MetricPoint("cart", "cpu", T0, 2.0)]
    store.ingest_metrics(points, cap=64)
    store.ingest_metrics(points, cap=64)

    assert store.metric_series(["cart"], T0, T0)["cart"].metrics == {"cpu": (1.5,)}


def test_metric_names_past_the_cap_are_dropped_and_counted(store: Store):
    points = [MetricPoint("cart", f"m{i}", T0, 1.0) for i in range(5)]
    result = store.ingest_metrics(points, cap=3)
    store.ingest_metrics([MetricPoint("cart", "m0", T0 + 60, 2.0)], cap=3)

    assert (result.points, result.dropped) == (3, 2)
    metrics = store.metric_series(["cart"], T0, T0 + 60)["cart"].metrics
    assert set(metrics) == {"m0", "m1", "m2"}
    assert metrics["m0"] == (1.0, 2.0)
    assert store.signal_drops() == {"cart": {"metric_points_dropped": 2}}


def test_minute_starts_run_from_the_first_whole_minute_to_the_end_inclusive(store: Store):
    store.ingest_metrics([MetricPoint("cart", "cpu", T0 + 60, 1.0)], cap=64)

    series = store.metric_series(None, T0 + 1, T0 + 120)

    assert series["cart"].t == (T0 + 60, T0 + 120)


@pytest.mark.slow
def test_a_few_services_of_a_large_store_are_read_by_index(store: Store):
    points = [
        MetricPoint(f"svc-{i:04d}", "cpu", T0 + 60 * m, float(m))
        for i in range(5000)
        for m in range(3)
    ]
    store.ingest_metrics(points, cap=64)

    series = store.metric_series(["svc-0042", "svc-4999"], T0, T0 + 120)

    assert list(series) == ["svc-0042", "svc-4999"]
    assert series["svc-0042"].metrics["cpu"] == (0.0, 1.0, 2.0)


def test_compaction_deletes_log_and_metric_minutes_before_the_minutes_cut(store: Store):
    day = 86_400
    old, recent = T0, T0 + 3 * day
    store.ingest_logs([record("cart", "x", minute=old, digest=1)], cap=9)
    store.ingest_logs([record("cart", "y", minute=recent, digest=2)], cap=9)
    store.ingest_metrics(
        [MetricPoint("cart", "cpu", old, 1.0), MetricPoint("cart", "cpu", recent, 2.0)], cap=9
    )

    done = store.compact(now_s=recent + 60, retention=Retention(day, 30 * day, 400 * day))

    assert done.signals_deleted == 4  # a minute of levels, of a template, of records seen, a metric
    assert store.log_series(None, old, old + 60) == {}
    assert store.metric_series(None, old, old + 60) == {}
    assert store.log_series(["cart"], recent, recent)["cart"].metrics["level:INFO"] == (1,)
    again = store.compact(now_s=recent + 60, retention=Retention(day, 30 * day, 400 * day))
    assert again.signals_deleted == 0


def test_two_replicas_storing_in_turn_give_one_line_one_template(engine):
    one, two = Store(engine), Store(engine)
    one.ingest_logs([record("cart", "user alice logged in", digest=1)], cap=200)
    two.ingest_logs([record("cart", "disk sda full", digest=2)], cap=200)
    one.ingest_logs([record("cart", "disk sdb full", digest=3)], cap=200)
    two.ingest_logs([record("cart", "user bob logged in", digest=4)], cap=200)
    one.ingest_logs([record("cart", "job done", digest=5)], cap=200)

    metrics = Store(engine).log_series(["cart"], T0, T0)["cart"].metrics
    assert {key: value for key, value in metrics.items() if key.startswith("template:")} == {
        "template:user <*> logged in": (2,),
        "template:disk <*> full": (2,),
        "template:job done": (1,),
    }


def test_replicas_storing_the_same_records_at_once_count_them_once(engine):
    records = [record("cart", f"user {i} did thing {i % 7}", digest=i) for i in range(1, 400)]
    stores = [Store(engine) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = list(pool.map(lambda store: store.ingest_logs(records, cap=200), stores))

    assert sum(result.records for result in done) == len(records)
    series = Store(engine).log_series(["cart"], T0, T0)["cart"]
    assert series.metrics["level:INFO"] == (len(records),)
    templates = [key for key in series.metrics if key.startswith("template:")]
    assert sum(series.metrics[key][0] for key in templates) == len(records)
