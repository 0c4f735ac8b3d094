"""Records judged by their service alone: the offer they make, what a verdict keeps of them."""

from __future__ import annotations

from collections import Counter
from operator import itemgetter

from hypothesis import given
from hypothesis import strategies as st

from topology.cardinality import RATE, SERVICES, NameGate, NameLimits, Verdict
from topology.name_sieve import offer_of_services, sift_by_service

SERVICE = itemgetter(0)


def test_every_service_offered_reports_itself_and_brings_no_edge():
    offer = offer_of_services(["a", "b", "a"])

    assert offer.names == {"a": True, "b": True}
    assert offer.edges == set()


def test_a_verdict_drops_the_items_of_refused_services_and_counts_them_by_reason():
    items = [("a", 1), ("b", 2), ("c", 3), ("b", 4), (None, 5)]
    verdict = Verdict({"b": RATE, "c": SERVICES})

    kept, lost = sift_by_service(items, SERVICE, verdict)

    assert kept == [("a", 1), (None, 5)]
    assert lost == Counter({RATE: 2, SERVICES: 1})


def test_an_empty_verdict_keeps_everything():
    items = [("a", 1), ("b", 2)]

    kept, lost = sift_by_service(items, SERVICE, Verdict())

    assert (kept, lost) == (items, Counter())


def test_a_gate_lets_in_new_services_of_records_up_to_the_budget_only():
    gate = NameGate(NameLimits(new_per_minute=2))
    offer = offer_of_services(f"s{i}" for i in range(5))

    verdict = gate.judge("otlp", offer, stored_names={"s4"}, stored_edges=(), now_s=0)

    assert verdict.names == {"s2": RATE, "s3": RATE}


@given(
    st.lists(st.tuples(st.sampled_from("abcdef"), st.integers()), max_size=50),
    st.dictionaries(st.sampled_from("abcdef"), st.sampled_from([RATE, SERVICES])),
)
def test_every_item_is_kept_or_counted_once(items, refused):
    kept, lost = sift_by_service(items, SERVICE, Verdict(refused))

    assert len(kept) + sum(lost.values()) == len(items)
    assert all(item[0] not in refused for item in kept)
