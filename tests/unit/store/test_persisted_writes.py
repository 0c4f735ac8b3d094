"""A write that must outlive a blip of the database is tried again with backoff, a few times."""

import pytest

from bot.adapters.store.retry import BASE_S, TRIES, persisted
from topology.errors import StoreError


class Flaky:
    """A write failing its first `failures` attempts."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts = 0

    def __call__(self) -> str:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise StoreError("sqlite:///svcmap.db: disk I/O error")
        return "written"


def test_a_write_failing_less_than_its_tries_goes_through_after_doubling_waits():
    slept = []
    write = Flaky(TRIES - 1)

    assert persisted(write, sleep=slept.append) == "written"
    assert slept == [BASE_S * 2**n for n in range(TRIES - 1)]


def test_a_write_failing_every_try_raises_its_last_error_after_a_bounded_wait():
    slept = []
    write = Flaky(10**6)

    with pytest.raises(StoreError, match="disk I/O error"):
        persisted(write, sleep=slept.append)
    assert write.attempts == TRIES
    assert sum(slept) < 5


def test_other_errors_are_not_tried_again():
    def broken() -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        persisted(broken, sleep=pytest.fail)
