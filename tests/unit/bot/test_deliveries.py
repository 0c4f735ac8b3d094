"""The pages PagerDuty accepted and the store did not record, remembered until recorded."""

from bot.usecases.deliveries import Accepted, Deliveries


def test_accepted_pages_come_back_oldest_first_until_recorded():
    deliveries = Deliveries()
    first, second = Accepted(7, "host:1", 100), Accepted(3, "host:1", 101)
    deliveries.note(first)
    deliveries.note(second)
    deliveries.note(first)  # noted again: once

    assert deliveries.pending() == [first, second]
    deliveries.recorded(first)
    assert deliveries.pending() == [second]
    assert len(deliveries) == 1
