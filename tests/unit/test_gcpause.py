import gc
from collections.abc import Iterator

import pytest

from topology.gcpause import paused_gc


@pytest.fixture
def collecting() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was_enabled else gc.disable)()


@pytest.mark.usefixtures("collecting")
def test_what_a_paused_block_kept_is_in_the_oldest_generation_and_nothing_stays_frozen() -> None:
    with paused_gc():
        kept = [[number] for number in range(1_000)]
        assert not gc.isenabled()
    assert gc.isenabled()
    oldest = {id(found) for found in gc.get_objects(generation=2)}
    assert id(kept) in oldest
    assert all(id(inner) in oldest for inner in kept)
    assert gc.get_freeze_count() == 0


def test_a_paused_block_leaves_a_stopped_collector_stopped() -> None:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        (gc.enable if was_enabled else gc.disable)()
