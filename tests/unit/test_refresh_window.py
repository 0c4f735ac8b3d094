"""The stretch of time each refresh pass asks a source for."""

from __future__ import annotations

from topology.refresh_window import MAX_MINUTES, edge_minutes, trace_window

NOW = 1_700_000_070  # 30 s into a minute


def test_the_first_pass_reads_one_interval_back():
    assert trace_window(None, NOW, interval_s=60, overlap_s=120) == (NOW - 60, NOW)


def test_later_passes_start_one_overlap_before_the_high_water():
    assert trace_window(NOW - 60, NOW, interval_s=60, overlap_s=120) == (NOW - 180, NOW)


def test_a_source_far_behind_is_read_from_where_it_stopped():
    assert trace_window(NOW - 86_400, NOW, interval_s=60, overlap_s=0) == (NOW - 86_400, NOW)


def test_edge_sources_are_asked_for_whole_minutes_that_have_ended():
    minute = NOW - 30
    assert edge_minutes(None, NOW, interval_s=60, overlap_s=120) == [minute - 60]
    assert edge_minutes(minute, NOW, interval_s=60, overlap_s=120) == [
        minute - 120,
        minute - 60,
    ]


def test_edge_sources_far_behind_catch_up_a_bounded_number_of_minutes_at_a_time():
    minutes = edge_minutes(NOW - 86_400, NOW, interval_s=60, overlap_s=0)
    assert len(minutes) == MAX_MINUTES
    assert minutes[0] == NOW - 30 - 86_400
