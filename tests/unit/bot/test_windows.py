from bot.usecases.windows import Window


def test_no_time_and_no_length_is_everything_stored():
    window = Window.ending_at(None, None, now=1_000)
    assert (window.start, window.end) == (None, None)
    assert window.describe() == "everything stored"


def test_a_length_alone_ends_now_and_includes_the_current_minute():
    window = Window.ending_at(None, 600, now=10_000)
    assert (window.start, window.end) == (9_401, 10_001)


def test_a_time_alone_covers_everything_up_to_it():
    window = Window.ending_at(1_777_604_400, None, now=0)
    assert (window.start, window.end) == (None, 1_777_604_401)
    assert window.describe() == "everything up to 2026-05-01T03:00:00Z"


def test_a_bucket_starting_exactly_at_the_time_asked_is_included():
    window = Window.ending_at(120, 60, now=0)
    assert window.start is not None
    assert window.end is not None
    assert window.start <= 120 < window.end
