"""Stopping `serve` leaves the alert workers what time the deadline allows, and keeps some
to release the notifications they did not finish before the process is ended."""

import pytest

from bot.cli.serving import RELEASE_S, STOP_DEADLINE_S, WORKERS_WAIT_S, workers_wait


def test_told_to_stop_just_now_the_workers_get_their_whole_wait():
    assert workers_wait(100.0, 100.0) == WORKERS_WAIT_S


@pytest.mark.parametrize("spent_s", [0.0, 1.0, 2.0, 3.5, 5.0, 6.9, 7.0, 8.0, 30.0])
def test_the_wait_ends_before_the_time_kept_to_release_whatever_was_spent(spent_s):
    wait = workers_wait(100.0, 100.0 + spent_s)

    assert 0.0 <= wait <= WORKERS_WAIT_S
    assert spent_s + wait <= max(spent_s, STOP_DEADLINE_S - RELEASE_S)


def test_after_requests_took_their_grace_the_workers_get_what_is_left():
    assert workers_wait(0.0, 5.0) == pytest.approx(STOP_DEADLINE_S - RELEASE_S - 5.0)


def test_past_the_time_kept_to_release_the_workers_are_not_waited_for():
    assert workers_wait(0.0, STOP_DEADLINE_S) == 0.0
