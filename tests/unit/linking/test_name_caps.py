"""The caps on new names: known names pass, new ones within the caps and the budget."""

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from topology.cardinality import (
    EDGES,
    RATE,
    SERVICES,
    VIRTUAL,
    NameGate,
    NameLimits,
    Offer,
    Verdict,
    summary,
)
from topology.model import Call, NodeKind, Served
from topology.name_sieve import offer_of, sift

NOW = 1_790_000_000 - 1_790_000_000 % 86_400


def services(*names, virtual=()):
    return Offer(dict.fromkeys(names, True) | dict.fromkeys(virtual, False), set())


def judge(gate, offer, *, source="otlp", stored=(), edges=(), now_s=NOW, rate=True):
    return gate.judge(
        source, offer, stored_names=set(stored), stored_edges=set(edges), now_s=now_s, rate=rate
    )


def test_new_names_past_the_budget_of_a_minute_are_refused():
    gate = NameGate(NameLimits(new_per_minute=3))

    verdict = judge(gate, services("a", "b", "c", "d", "e"))

    assert verdict.names == {"d": RATE, "e": RATE}


def test_stored_names_always_pass_even_with_the_budget_spent():
    gate = NameGate(NameLimits(new_per_minute=1))
    judge(gate, services("new-1"))

    verdict = judge(gate, services("frontend", "cart", "new-2"), stored={"frontend", "cart"})

    assert verdict.names == {"new-2": RATE}


def test_the_budget_refills_with_time_up_to_one_minute_of_names():
    gate = NameGate(NameLimits(new_per_minute=60))
    judge(gate, services(*(f"a{i}" for i in range(60))))

    assert judge(gate, services("late"), now_s=NOW).names == {"late": RATE}
    after_ten_s = judge(gate, services(*(f"b{i}" for i in range(20))), now_s=NOW + 10)
    assert len(after_ten_s.names) == 10
    an_hour_on = judge(gate, services(*(f"c{i}" for i in range(100))), now_s=NOW + 3_600)
    assert len(an_hour_on.names) == 40


def test_a_name_let_in_passes_again_without_spending_the_budget():
    gate = NameGate(NameLimits(new_per_minute=1))
    judge(gate, services("a"))

    assert not judge(gate, services("a"))


def test_services_and_virtual_nodes_have_caps_of_their_own_per_window():
    gate = NameGate(NameLimits(services=2, virtual=1, new_per_minute=100))

    verdict = judge(gate, services("s1", "s2", "s3", virtual=("db1", "db2")))

    assert verdict.names == {"s3": SERVICES, "db2": VIRTUAL}


def test_a_new_window_lets_new_names_in_again():
    gate = NameGate(NameLimits(services=1, new_per_minute=100, window_s=3_600))
    judge(gate, services("s1"))
    assert judge(gate, services("s2"), now_s=NOW + 3_599).names == {"s2": SERVICES}

    assert not judge(gate, services("s2"), now_s=NOW + 3_600)


def test_each_source_has_its_own_caps_and_budget():
    gate = NameGate(NameLimits(services=1, new_per_minute=1))
    judge(gate, services("a"), source="otlp")

    assert not judge(gate, services("b"), source="refresh:jaeger")
    assert judge(gate, services("c"), source="otlp").names == {"c": SERVICES}


def test_history_imported_in_bulk_spends_no_budget_but_keeps_the_caps():
    gate = NameGate(NameLimits(services=50, new_per_minute=1))

    verdict = judge(gate, services(*(f"s{i}" for i in range(60))), source="import", rate=False)

    assert Counter(verdict.names.values()) == Counter({SERVICES: 10})


def test_new_edges_past_the_cap_are_refused_and_known_edges_pass():
    gate = NameGate(NameLimits(edges=1, new_per_minute=100))
    offer = Offer(
        {"a": True, "b": True, "c": True},
        {("a", "b"), ("a", "c"), ("b", "c")},
    )

    verdict = judge(gate, offer, stored={"a", "b", "c"}, edges={("b", "c")})

    assert verdict.edges == {("a", "c"): EDGES}


def test_an_edge_with_a_refused_end_goes_with_it_without_using_the_edge_cap():
    gate = NameGate(NameLimits(edges=1, new_per_minute=1))
    offer = Offer({"a": True, "b": True, "c": True}, {("a", "b"), ("a", "c")})

    verdict = judge(gate, offer, stored={"a"})

    assert verdict.names == {"c": RATE}
    assert verdict.edges == {}


def test_only_unfamiliar_names_and_edges_with_both_ends_stored_are_looked_up():
    gate = NameGate(NameLimits())
    offer = Offer({"a": True, "b": True, "new": True}, {("a", "b"), ("a", "new")})
    judge(gate, services("a", "b"), stored={"a", "b"})

    assert gate.unfamiliar_names("otlp", offer) == ["new"]
    assert gate.unfamiliar_edges("otlp", offer, stored=set()) == [("a", "b")]
    judge(gate, offer, stored=set(), edges={("a", "b")})
    assert gate.unfamiliar_names("otlp", offer) == []
    assert gate.unfamiliar_edges("otlp", offer, stored=set()) == []


def test_names_found_stored_are_remembered_at_most_as_many_as_the_caps():
    gate = NameGate(NameLimits(services=2, virtual=1, edges=1))
    judge(gate, services(*"abcd"), stored=set("abcd"), edges={("a", "b"), ("c", "d")})

    assert len(gate.unfamiliar_names("otlp", services(*"abcd"))) >= 1
    assert len(gate.unfamiliar_edges("otlp", Offer({}, {("a", "b"), ("c", "d")}), "abcd")) >= 1


def test_the_offer_of_a_batch_names_each_side_and_whether_it_reported_spans():
    calls = [
        Call("frontend", "postgres", "k1", None, False, child_kind=NodeKind.DATABASE),
        Call("frontend", "cart", "k2", None, False, parent_local=True),
    ]
    served = [Served("cart", "k3", None, False, None)]

    offer = offer_of(calls, served)

    assert offer.names == {"frontend": True, "postgres": False, "cart": True}
    assert offer.edges == {("frontend", "postgres"), ("frontend", "cart")}


def test_sifting_drops_the_calls_and_requests_of_refused_names_and_edges():
    calls = [
        Call("frontend", "cart", "k1", None, False),
        Call("frontend", "junk", "k2", None, False),
        Call("cart", "frontend", "k3", None, False),
    ]
    served = [Served("junk", "k4", None, False, None), Served("cart", "k5", None, False, None)]
    verdict = Verdict({"junk": RATE}, {("cart", "frontend"): EDGES})

    calls_kept, served_kept, lost = sift(calls, served, verdict)

    assert [c.key for c in calls_kept] == ["k1"]
    assert [s.key for s in served_kept] == ["k5"]
    assert lost == Counter({RATE: 2, EDGES: 1})


def test_refusals_are_counted_per_source_and_said_at_most_once_a_minute():
    gate = NameGate(NameLimits(new_per_minute=1))
    verdict = judge(gate, services("a", "b", "c"))
    gate.tally("otlp", verdict, Counter({RATE: 5}))

    (line,) = gate.summaries(now_s=NOW)
    assert line == "otlp: refused 2 names and 5 calls over 1 new names a minute"
    gate.tally("otlp", verdict, Counter({RATE: 1}))
    assert gate.summaries(now_s=NOW + 59) == []
    (later,) = gate.summaries(now_s=NOW + 60)
    assert later.startswith("otlp: refused 2 names and 1 calls")
    assert gate.summaries(now_s=NOW + 600) == []
    assert gate.totals() == {("otlp", RATE): (4, 6)}


def test_nothing_refused_is_neither_counted_nor_said():
    gate = NameGate(NameLimits())

    assert not gate.tally("otlp", Verdict(), Counter())
    assert gate.summaries(now_s=NOW) == []
    assert gate.totals() == {}


def test_the_summary_names_each_cap_that_refused():
    limits = NameLimits(services=5, edges=7)
    gate = NameGate(limits)
    drops = gate.tally("import", Verdict({"s": SERVICES}, {("a", "b"): EDGES}), Counter())

    assert summary("import", drops, limits) == (
        "import: refused 1 names and 0 calls over 5 new services a window; "
        "1 names and 0 calls over 7 new edges a window"
    )


@given(
    batches=st.lists(st.lists(st.text(max_size=3), max_size=30), max_size=20),
    steps=st.lists(st.integers(min_value=0, max_value=200), min_size=20, max_size=20),
)
def test_a_window_never_lets_in_more_than_its_caps_nor_a_minute_more_than_the_budget(
    batches, steps
):
    limits = NameLimits(services=40, virtual=40, edges=40, new_per_minute=10, window_s=10**9)
    gate = NameGate(limits)
    now, let_in = NOW, set()
    spent: list[tuple[int, int]] = []
    for batch, step in zip(batches, steps, strict=False):
        now += step
        offer = services(*batch)
        verdict = judge(gate, offer, now_s=now)
        admitted = set(offer.names) - set(verdict.names) - let_in
        spent.append((now, len(admitted)))
        let_in |= admitted
    assert len(let_in) <= limits.services
    for start, _ in spent:
        within = sum(n for t, n in spent if start <= t < start + 60)
        # the bucket starts full: one minute's budget, plus what refills in that minute
        assert within <= 2 * limits.new_per_minute
