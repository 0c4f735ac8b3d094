"""What was read for a window is kept as long as a map of now is, then read again."""

from bot.usecases.graphs import LIVE_TTL_S, SETTLE_S
from bot.usecases.minute_cache import KEPT, MinuteCache


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def reads(cache, window, stamp=(0, 0)):
    """The value `cache` gives for `window`; a new list each time it had to be made."""
    return cache.use(window, stamp, list, lambda value: value)


def test_alerts_of_the_same_minute_share_what_the_first_read():
    cache = MinuteCache(Clock())

    first = reads(cache, (0, 601))
    first.append("read")

    assert reads(cache, (0, 659)) is first  # the same buckets: those starting before 660
    assert reads(cache, (0, 661)) is not first  # the minute starting at 660 is in


def test_what_was_read_is_read_again_after_a_minute():
    clock = Clock()
    cache = MinuteCache(clock)
    first = reads(cache, (0, 600))

    clock.now += LIVE_TTL_S - 1
    assert reads(cache, (0, 600)) is first
    clock.now += 1
    assert reads(cache, (0, 600)) is not first


def test_new_calls_make_it_read_again_once_it_is_a_few_seconds_old():
    clock = Clock()
    cache = MinuteCache(clock)
    first = reads(cache, (0, 600), stamp=(0, 0))

    assert reads(cache, (0, 600), stamp=(0, 1)) is first  # just read: new calls settle
    clock.now += SETTLE_S
    assert reads(cache, (0, 600), stamp=(0, 1)) is not first


def test_a_cleared_map_cache_makes_it_read_again_at_once():
    cache = MinuteCache(Clock())
    first = reads(cache, (0, 600), stamp=(0, 0))

    assert reads(cache, (0, 600), stamp=(1, 0)) is not first


def test_only_the_latest_windows_are_kept():
    cache = MinuteCache(Clock())
    first = reads(cache, (0, 60))
    for minute in range(1, KEPT + 1):
        reads(cache, (0, 60 + 60 * minute))

    assert reads(cache, (0, 60)) is not first
