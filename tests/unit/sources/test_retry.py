"""Backoff and retries: exponential with jitter, Retry-After first, only when it may help."""

from __future__ import annotations

import pytest

from bot.adapters.sources.ports import TraceSource
from bot.adapters.sources.retry import (
    CAP_S,
    Pacing,
    RetryingTraceSource,
    backoff_s,
    retries_of,
    retrying,
)
from topology.errors import SourceError
from topology.model import Span


def test_the_backoff_doubles_each_attempt_between_half_and_all_of_the_step():
    assert [backoff_s(n, 0.0, base_s=1.0) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert [backoff_s(n, 0.999999, base_s=1.0) for n in (1, 2, 3)] == pytest.approx([1, 2, 4])


def test_the_backoff_is_capped():
    assert backoff_s(30, 0.999999) == pytest.approx(CAP_S)


class Flaky:
    """Fails with the given errors in turn, then answers."""

    def __init__(self, *errors: SourceError) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "answer"


def test_a_retryable_error_is_retried_after_a_backoff():
    slept: list[float] = []
    flaky = Flaky(SourceError("503", retryable=True), SourceError("503", retryable=True))
    assert retrying(flaky, sleep=slept.append, jitter=lambda: 0.0, base_s=1.0) == ("answer", 3)
    assert slept == [0.5, 1.0]


def test_retry_after_replaces_the_computed_wait():
    slept: list[float] = []
    flaky = Flaky(SourceError("429", retryable=True, retry_after_s=7.0))
    assert retrying(flaky, sleep=slept.append, jitter=lambda: 0.0) == ("answer", 2)
    assert slept == [7.0]


def test_three_failed_tries_raise_the_last_error():
    slept: list[float] = []
    flaky = Flaky(*(SourceError(f"try {n}", retryable=True) for n in (1, 2, 3, 4)))
    with pytest.raises(SourceError, match="try 3"):
        retrying(flaky, sleep=slept.append, jitter=lambda: 0.5)
    assert flaky.calls == 3
    assert len(slept) == 2


def test_an_error_that_is_not_retryable_is_raised_at_once():
    slept: list[float] = []
    flaky = Flaky(SourceError("400"))
    with pytest.raises(SourceError, match="400"):
        retrying(flaky, sleep=slept.append, jitter=lambda: 0.5)
    assert (flaky.calls, slept) == (1, [])


class FlakyTraces:
    """A trace source failing with the given errors in turn, then answering no spans."""

    name = "flaky"

    def __init__(self, *errors: SourceError) -> None:
        self.failing = Flaky(*errors)
        self.asked: list[tuple[int, int, int]] = []

    def services(self) -> list[str]:
        self.failing()
        return ["frontend"]

    def traces(self, *, start_us: int, end_us: int, limit: int) -> list[Span]:
        self.asked.append((start_us, end_us, limit))
        self.failing()
        return []


def test_a_retrying_source_retries_and_counts_its_retries():
    slept: list[float] = []
    inner = FlakyTraces(SourceError("503", retryable=True))
    source = RetryingTraceSource(Pacing(sleep=slept.append, jitter=lambda: 0.0), inner=inner)
    assert source.name == "flaky"
    assert isinstance(source, TraceSource)
    assert source.traces(start_us=0, end_us=1, limit=10) == []
    assert inner.asked == [(0, 1, 10), (0, 1, 10)]
    assert (retries_of(source), slept) == (1, [0.25])
    assert source.services() == ["frontend"]
    assert retries_of(source) == 1


def test_a_retrying_source_counts_the_retries_of_a_request_that_failed_for_good():
    errors = (SourceError(f"try {n}", retryable=True) for n in (1, 2, 3))
    source = RetryingTraceSource(Pacing(sleep=lambda _: None), inner=FlakyTraces(*errors))
    with pytest.raises(SourceError, match="try 3"):
        source.traces(start_us=0, end_us=1, limit=10)
    assert retries_of(source) == 2


def test_a_source_that_does_not_retry_counts_none():
    assert retries_of(FlakyTraces()) == 0
