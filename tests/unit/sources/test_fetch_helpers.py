"""The pure helpers of the HTTP edge: what is retryable, how long to wait, what to quote."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.adapters.sources.fetch import excerpt, retry_after_s, retryable_status

NOW = datetime(2015, 10, 21, 7, 27, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (429, True),
        (500, True),
        (503, True),
        (599, True),
        (400, False),
        (401, False),
        (404, False),
        (408, False),
    ],
)
def test_only_too_many_requests_and_server_errors_are_retryable(status, retryable):
    assert retryable_status(status) is retryable


def test_retry_after_in_seconds_is_read_as_is():
    assert retry_after_s("120", now=NOW) == 120.0
    assert retry_after_s(" 1.5 ", now=NOW) == 1.5


def test_retry_after_as_an_http_date_is_the_seconds_until_then():
    assert retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT", now=NOW) == 60.0


def test_retry_after_in_the_past_or_negative_means_now():
    assert retry_after_s("Wed, 21 Oct 2015 07:00:00 GMT", now=NOW) == 0.0
    assert retry_after_s("-5", now=NOW) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "inf", "nan"])
def test_a_missing_or_unreadable_retry_after_is_none(value):
    assert retry_after_s(value, now=NOW) is None


def test_an_excerpt_is_one_short_line():
    assert excerpt(b"  line one\n\tline two  ") == "line one line two"
    assert len(excerpt(b"x" * 1000)) == 200
    assert excerpt(b"\xff ok") == "\ufffd ok"
