"""A finding is posted once while it lasts, closes when gone a while, and a mute outlives it."""

from dataclasses import replace

from topology.warnings.model import Finding
from topology.warnings.track import CLOSE_AFTER_S, KeptWarning, track

T = 1_800_000_000


def finding(subject="cart", metric="latency_ms", level=60.0):
    return Finding(subject, metric, "trend", level, 40.0, 80.0, 900)


def kept(pass_):
    return {warning.key: warning for warning in pass_.writes}


def test_a_new_finding_is_written_and_posted():
    done = track({}, [finding()], T)
    assert done.post == (("cart", "latency_ms"),)
    (warning,) = done.writes
    assert (warning.opened_at, warning.seen_at, warning.open) == (T, T, True)


def test_a_finding_found_again_is_updated_not_posted_again():
    first = kept(track({}, [finding()], T))
    posted = {key: replace(w, posted_at=T) for key, w in first.items()}
    again = track(posted, [finding(level=70.0)], T + 300)
    assert again.post == ()
    (warning,) = again.writes
    assert (warning.finding.level, warning.opened_at, warning.seen_at) == (70.0, T, T + 300)


def test_a_finding_whose_post_failed_is_posted_at_the_next_pass():
    first = kept(track({}, [finding()], T))
    assert track(first, [finding()], T + 300).post == (("cart", "latency_ms"),)


def test_a_finding_not_found_for_a_while_closes_and_opens_again_as_new():
    posted = {k: replace(w, posted_at=T) for k, w in kept(track({}, [finding()], T)).items()}
    closed = track(posted, [], T + CLOSE_AFTER_S)
    (warning,) = closed.writes
    assert warning.closed_at == T + CLOSE_AFTER_S
    back = track(kept(closed), [finding()], T + CLOSE_AFTER_S + 300)
    assert back.post == (("cart", "latency_ms"),)
    assert back.writes[0].opened_at == T + CLOSE_AFTER_S + 300


def test_a_finding_missed_for_a_pass_or_two_stays_open_and_is_not_posted_again():
    posted = {k: replace(w, posted_at=T) for k, w in kept(track({}, [finding()], T)).items()}
    missed = track(posted, [], T + 300)
    assert missed.writes == ()
    still = track(posted, [], T + CLOSE_AFTER_S - 1)
    assert still.writes == ()
    back = track(posted, [finding(level=70.0)], T + 600)
    assert back.post == ()
    (warning,) = back.writes
    assert (warning.opened_at, warning.seen_at, warning.open) == (T, T + 600, True)


def test_how_long_a_finding_may_go_unfound_is_an_argument():
    posted = {k: replace(w, posted_at=T) for k, w in kept(track({}, [finding()], T)).items()}
    assert track(posted, [], T + 60, close_after_s=120).writes == ()
    assert track(posted, [], T + 120, close_after_s=120).writes[0].closed_at == T + 120


def test_a_muted_finding_back_within_its_mute_is_not_posted_and_keeps_the_mute():
    muted = KeptWarning(finding(), T, T, posted_at=T, closed_at=T + 300, muted_until=T + 86_400)
    back = track({muted.key: muted}, [finding()], T + 600)
    assert back.post == ()
    assert back.writes[0].muted_until == T + 86_400
    after = track({muted.key: muted}, [finding()], T + 86_400)
    assert after.post == (("cart", "latency_ms"),)


def test_closed_warnings_not_found_are_left_alone():
    closed = KeptWarning(finding(), T, T, posted_at=T, closed_at=T + 300)
    assert track({closed.key: closed}, [], T + 600).writes == ()
