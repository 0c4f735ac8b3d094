"""The seal on an answer's page button binds whom it pages to where the answer was posted."""

from hypothesis import given
from hypothesis import strategies as st

from bot.slack.seals import SEAL, Sealer, thread_of

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
PLACE = ("C0ONCALL", None, "payment")


def test_a_seal_holds_where_it_was_made_and_nowhere_else():
    sealer = Sealer(SECRET)
    seal = sealer.seal(*PLACE)

    assert SEAL.fullmatch(seal)
    assert sealer.holds(seal, *PLACE)
    assert not sealer.holds(seal, "C0OTHER", None, "payment")
    assert not sealer.holds(seal, "C0ONCALL", "1700000000.000001", "payment")
    assert not sealer.holds(seal, "C0ONCALL", None, "postgres")
    assert not Sealer("another signing secret").holds(seal, *PLACE)


@given(st.text(max_size=40), st.text(max_size=40))
def test_no_made_up_seal_holds(seal, service):
    assert not Sealer(SECRET).holds(seal, "C0ONCALL", None, service) or seal == Sealer(SECRET).seal(
        "C0ONCALL", None, service
    )


def test_the_parts_cannot_be_shifted_from_one_to_another():
    sealer = Sealer(SECRET)
    assert sealer.seal("C1", "2", "svc") != sealer.seal("C12", None, "svc")
    assert sealer.seal("C1", None, "a b") != sealer.seal("C1 a", None, "b")


def test_a_message_heading_its_thread_is_in_no_thread():
    assert thread_of("1.000001", "") is None
    assert thread_of("1.000001", "1.000001") is None
    assert thread_of("1.000002", "1.000001") == "1.000001"
