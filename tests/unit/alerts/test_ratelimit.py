from collections import deque

from bot.adapters.paging.ratelimit import RateLimiter, wait_s


def test_no_wait_under_the_limit():
    assert wait_s(deque([0.0, 1.0]), 2.0, limit=3) == 0


def test_at_the_limit_the_wait_runs_until_the_oldest_leaves_the_minute():
    assert wait_s(deque([0.0, 10.0, 20.0]), 30.0, limit=3) == 30.0


def test_events_older_than_a_minute_are_forgotten():
    sent = deque([0.0, 10.0, 20.0])

    assert wait_s(sent, 65.0, limit=3) == 0
    assert list(sent) == [10.0, 20.0]


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_the_limiter_holds_a_routing_key_to_its_events_per_minute():
    time = FakeTime()
    limiter = RateLimiter(limit=120, clock=lambda: time.now, sleep=time.sleep)

    for _ in range(120):
        limiter.acquire("key")
    waited = limiter.acquire("key")

    assert waited == 60.0
    assert time.slept == [60.0]


def test_each_routing_key_has_its_own_limit():
    time = FakeTime()
    limiter = RateLimiter(limit=2, clock=lambda: time.now, sleep=time.sleep)

    for key in ("a", "a", "b", "b"):
        limiter.acquire(key)

    assert time.slept == []
