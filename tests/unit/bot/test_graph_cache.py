import gc
import threading

import pytest

from bot.usecases.graphs import GraphCache
from bot.usecases.windows import Window
from topology.graph import ServiceGraph


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def reader(counter: list[Window]):
    def read(window: Window) -> ServiceGraph:
        counter.append(window)
        return ServiceGraph.build([], [])

    return read


def test_the_same_window_is_read_once_until_the_map_grows_old_after_new_calls() -> None:
    clock, reads = Clock(), []
    cache = GraphCache(clock, ttl_s=10, quiet_ttl_s=100)
    first = cache.get(Window(None, 1_000), reader(reads))
    assert cache.get(Window(None, 1_000), reader(reads)) is first
    clock.now = 1
    cache.changed()
    clock.now = 9
    assert cache.get(Window(None, 1_000), reader(reads)) is first
    clock.now = 10
    assert cache.get(Window(None, 1_000), reader(reads)) is not first
    assert len(reads) == 2


def test_without_new_calls_a_map_of_a_fixed_window_lasts_the_quiet_time() -> None:
    clock, reads = Clock(), []
    cache = GraphCache(clock, ttl_s=10, quiet_ttl_s=100)
    first = cache.get(Window(None, 1_000), reader(reads))
    clock.now = 99
    assert cache.get(Window(None, 1_000), reader(reads)) is first
    clock.now = 100
    assert cache.get(Window(None, 1_000), reader(reads)) is not first
    assert len(reads) == 2


def test_windows_ending_in_the_same_minute_share_a_map() -> None:
    reads: list[Window] = []
    cache = GraphCache(Clock())
    cache.get(Window(3_601, 7_201), reader(reads))
    cache.get(Window(3_659, 7_259), reader(reads))
    cache.get(Window(3_661, 7_261), reader(reads))
    assert len(reads) == 2


def test_clearing_forgets_every_map() -> None:
    reads: list[Window] = []
    cache = GraphCache(Clock())
    cache.get(Window(), reader(reads))
    cache.clear()
    cache.get(Window(), reader(reads))
    assert len(reads) == 2


def test_questions_asked_at_once_read_the_store_once() -> None:
    reads: list[Window] = []
    gate = threading.Event()

    def slow(window: Window) -> ServiceGraph:
        gate.wait(1)
        reads.append(window)
        return ServiceGraph.build([], [])

    cache = GraphCache(Clock())
    threads = [threading.Thread(target=cache.get, args=(Window(), slow)) for _ in range(8)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join()
    assert len(reads) == 1


def test_after_new_calls_a_map_of_now_is_kept_only_a_few_seconds() -> None:
    clock, reads = Clock(), []
    cache = GraphCache(clock, live_ttl_s=60)
    live = Window(3_000, 3_601)
    first = cache.get(live, reader(reads), now=3_600)
    clock.now = 2
    cache.changed()
    assert cache.get(live, reader(reads), now=3_600) is first
    clock.now = 5
    assert cache.get(live, reader(reads), now=3_600) is not first
    clock.now = 30
    assert len(reads) == 2
    cache.get(live, reader(reads), now=3_600)
    assert len(reads) == 2


def test_a_window_of_now_made_a_second_before_it_is_asked_about_shares_the_map() -> None:
    # The window is made from the clock, the question's `now` read again a moment later:
    # a second may pass in between. The same five minutes of now are still one map, so an
    # answer never comes from another map of them read earlier, and goes back in time.
    clock, reads = Clock(), []
    cache = GraphCache(clock, live_ttl_s=60)
    first = cache.get(Window(3_000, 3_601), reader(reads), now=3_600)
    assert cache.get(Window(3_001, 3_602), reader(reads), now=3_602) is first
    assert cache.cached(Window(3_002, 3_603), now=3_604) is first
    assert len(reads) == 1


def test_calls_stored_while_a_map_of_now_is_read_leave_it_old_a_few_seconds_later() -> None:
    clock, reads = Clock(), []
    cache = GraphCache(clock, live_ttl_s=60)

    def read_while_calls_arrive(window: Window) -> ServiceGraph:
        reads.append(window)
        clock.now += 1
        cache.changed()  # stored while the store was being read: not in this map
        clock.now += 1
        return ServiceGraph.build([], [])

    first = cache.get(Window(3_000, 3_601), read_while_calls_arrive, now=3_600)
    clock.now = 4.5
    assert cache.get(Window(3_000, 3_601), reader(reads), now=3_600) is first
    clock.now = 5  # the read began 5 s ago, before those calls
    assert cache.get(Window(3_000, 3_601), reader(reads), now=3_600) is not first
    assert len(reads) == 2


def test_without_new_calls_a_map_of_now_lasts_its_whole_time() -> None:
    clock, reads = Clock(), []
    cache = GraphCache(clock, live_ttl_s=60)
    first = cache.get(Window(None, 101), reader(reads), now=100)
    clock.now = 59
    assert cache.get(Window(None, 160), reader(reads), now=159) is first


def test_the_stamp_counts_clears_and_changes_and_listeners_hear_each() -> None:
    cache = GraphCache(Clock())
    heard: list[tuple[int, int]] = []
    cache.listen(heard.append)

    cache.changed()
    cache.clear()
    cache.changed()

    assert heard == [(0, 1), (1, 1), (1, 2)]
    assert cache.stamp == (1, 2)


def test_a_cache_following_another_clears_when_the_other_was_cleared() -> None:
    clock, reads = Clock(), []
    cache = GraphCache(clock)
    window = Window(None, 1_000)
    first = cache.get(window, reader(reads))

    assert cache.follow((0, 0)) is False
    assert cache.get(window, reader(reads)) is first
    assert cache.follow((1, 0)) is True
    assert cache.get(window, reader(reads)) is not first
    assert cache.follow((1, 0)) is False
    assert len(reads) == 2


def test_a_cache_following_another_takes_its_new_calls_as_its_own() -> None:
    clock, reads = Clock(), []
    cache = GraphCache(clock)
    window = Window(None, 1_000)
    first = cache.get(window, reader(reads), now=1_000)
    clock.now = 10

    assert cache.follow((0, 3)) is False
    assert cache.get(window, reader(reads), now=1_000) is not first  # read 10 s before
    assert cache.stamp == (0, 1)


def test_windows_asked_for_once_leave_nothing_behind_but_the_maps_kept() -> None:
    cache = GraphCache(Clock())
    for end in range(0, 600_000, 60):
        cache.get(Window(None, end), reader([]))

    assert len(cache._maps) == 8
    assert cache._reading == {}


def test_a_failed_read_leaves_nothing_behind_and_the_next_ask_reads_again() -> None:
    cache = GraphCache(Clock())
    reads: list[Window] = []

    def failing(window: Window) -> ServiceGraph:
        raise RuntimeError("store down")

    with pytest.raises(RuntimeError):
        cache.get(Window(None, 60), failing)
    cache.get(Window(None, 60), reader(reads))

    assert len(reads) == 1
    assert cache._reading == {}


def test_cached_answers_what_get_would_without_reading() -> None:
    clock, reads = Clock(), []
    cache = GraphCache(clock, ttl_s=10, quiet_ttl_s=100, live_ttl_s=30)
    assert cache.cached(Window(None, 1_000)) is None
    first = cache.get(Window(None, 1_000), reader(reads))
    live = cache.get(Window(400, 1_000), reader(reads), now=1_000)

    assert cache.cached(Window(None, 1_000)) is first
    assert cache.cached(Window(460, 1_060), now=1_060) is live  # the same offsets from now
    assert cache.cached(Window(None, 2_000)) is None
    clock.now = 30
    assert cache.cached(Window(460, 1_060), now=1_060) is None
    assert len(reads) == 2


def test_a_map_just_read_is_in_the_oldest_generation_and_nothing_stays_frozen() -> None:
    kept: list[list[int]] = []

    def read(_: Window) -> ServiceGraph:
        kept.append([1, 2, 3])
        return ServiceGraph.build([], [])

    was_enabled = gc.isenabled()
    gc.disable()  # no collection between the read and the look: the read's objects are young
    try:
        GraphCache(Clock()).get(Window(None, 1_000), read)
        oldest = gc.get_objects(generation=2)
        assert any(found is kept[0] for found in oldest)
        assert gc.get_count()[0] == 0
        assert gc.get_freeze_count() == 0
    finally:
        if was_enabled:
            gc.enable()
