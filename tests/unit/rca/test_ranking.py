"""Ranking: the deepest anomalous service first, quiet when nothing stands out."""

import gc

import pytest

from topology.errors import UnknownServiceError
from topology.rca import rank
from topology.rca import ranking as ranking_module
from topology.rca.ranking import QUIET_MESSAGE, QUIET_THRESHOLD, snapshot_graph
from topology.rca.snapshot import Symptom

from .factories import latency, series, snapshot, wobble

CHAIN = [("frontend", "cart"), ("cart", "redis"), ("frontend", "search")]


def ranked(snap, symptom="frontend"):
    return [candidate.service for candidate in rank(snap, symptom).candidates]


def test_the_deepest_anomalous_service_wins_over_its_anomalous_callers():
    snap = snapshot(
        CHAIN,
        {
            "frontend": latency(100, 420),
            "cart": latency(40, 350),
            "redis": latency(2, 300),
            "search": latency(30, 30),
        },
    )

    ranking = rank(snap, "frontend").candidates

    assert ranking[0].service == "redis"
    assert {c.service for c in ranking} == {"redis", "cart", "frontend"}
    assert ranking[0].evidence.endswith("its dependencies normal")
    assert {c.service: c.explained_by for c in ranking[1:]} == {
        "cart": ("redis",),
        "frontend": ("cart",),
    }


def test_an_anomalous_service_whose_dependencies_are_normal_comes_first():
    snap = snapshot(
        CHAIN,
        {
            "frontend": latency(100, 300),
            "cart": latency(40, 250),
            "redis": latency(2, 2),
            "search": latency(30, 30),
        },
    )

    top = rank(snap, "frontend").candidates[0]
    assert top.service == "cart"
    assert top.evidence == (
        "average latency 6.2x baseline (250 ms vs 40.2 ms); its dependencies normal"
    )


def test_a_slightly_slower_dependency_does_not_explain_a_much_slower_caller():
    snap = snapshot(
        CHAIN,
        {
            "frontend": latency(100, 105),
            "cart": latency(40, 900),
            "redis": latency(2, 6),
            "search": latency(30, 30),
        },
    )

    top = rank(snap, "frontend").candidates[0]
    assert top.service == "cart"
    assert top.explained_by == ()


def test_identical_windows_give_an_empty_quiet_ranking():
    snap = snapshot(CHAIN, {name: latency(50, 50) for name in ("frontend", "cart", "redis")})

    ranking = rank(snap, "frontend")

    assert ranking.candidates == ()
    assert ranking.quiet
    assert ranking.to_dict()["ranking"] == []
    assert ranking.to_dict()["message"] == QUIET_MESSAGE


def test_a_service_with_evidence_short_of_the_threshold_is_named_below_it_in_order():
    snap = snapshot(
        CHAIN,
        {
            "frontend": latency(50, 50),
            "cart": latency(50, 62),
            "redis": latency(50, 50),
            "search": latency(50, 66),
        },
    )

    ranking = rank(snap, "frontend")

    assert ranking.quiet
    assert not ranking.confident
    assert [c.service for c in ranking.below] == ["search", "cart"]
    assert all(0 < c.score < QUIET_THRESHOLD for c in ranking.below)
    data = ranking.to_dict()
    assert data["ranking"] == []
    assert [c["service"] for c in data["below_threshold"]] == ["search", "cart"]
    assert data["confidence"] == "low"


def test_nothing_is_named_below_the_threshold_when_three_candidates_clear_it():
    snap = snapshot(
        [*CHAIN, ("frontend", "auth")],
        {
            "frontend": latency(50, 50),
            "cart": latency(50, 400),
            "redis": latency(50, 62),
            "search": latency(50, 400),
            "auth": latency(50, 400),
        },
    )

    ranking = rank(snap, "frontend")

    assert {c.service for c in ranking.candidates} == {"cart", "search", "auth"}
    assert ranking.below == ()


def test_a_candidate_named_below_the_threshold_is_never_one_above_it():
    snap = snapshot(CHAIN, {"frontend": latency(50, 50), "cart": latency(40, 400)})

    ranking = rank(snap, "frontend")

    assert [c.service for c in ranking.candidates] == ["cart"]
    assert "cart" not in {c.service for c in ranking.below}


def test_services_upstream_or_beside_the_symptom_are_not_candidates():
    snap = snapshot(CHAIN, {"frontend": latency(50, 50), "search": latency(30, 900)})

    assert ranked(snap, "cart") == []
    assert rank(snap, "cart").examined == 2


def test_a_virtual_node_ranks_after_an_instrumented_service_whose_dependencies_are_normal():
    snap = snapshot(
        [("frontend", "cart"), ("frontend", "payments-api")],
        {"cart": latency(40, 200), "payments-api": latency(40, 4_000)},
        virtual=["payments-api"],
    )

    assert ranked(snap) == ["cart", "payments-api"]


def test_the_symptoms_metric_family_decides_what_counts():
    failing = series(
        availability_pct=[*[100.0] * 60, *[80.0] * 6], latency_avg_ms=[*wobble(50), *wobble(50, 6)]
    )
    slow = series(availability_pct=[100.0] * 66, latency_avg_ms=[*wobble(50), *wobble(800, 6)])
    edges = [("frontend", "cart"), ("frontend", "auth")]
    health = {"cart": failing, "auth": slow}

    by_errors = snapshot(edges, health, symptom=Symptom("frontend", "availability"))
    by_latency = snapshot(edges, health, symptom=Symptom("frontend", "latency"))

    assert ranked(by_errors) == ["cart"]
    assert ranked(by_latency) == ["auth"]


def test_the_symptom_is_resolved_ignoring_case_and_unknown_ones_are_refused():
    snap = snapshot(CHAIN, {"cart": latency(40, 400)})

    assert rank(snap, "FRONTEND").symptom == "frontend"
    with pytest.raises(UnknownServiceError):
        rank(snap, "frontnd")


def test_json_shape_is_service_score_evidence_and_the_kinds_of_signal():
    snap = snapshot(CHAIN, {"cart": latency(40, 400)})

    entry = rank(snap, "frontend").to_dict()["ranking"][0]

    assert set(entry) == {"service", "score", "evidence", "signals"}
    assert entry["service"] == "cart"
    assert entry["signals"] == ["latency"]


def test_candidates_with_a_symptom_that_looks_normal_are_low_confidence():
    snap = snapshot(CHAIN, {"frontend": latency(100, 100), "cart": latency(40, 400)})

    ranking = rank(snap, "frontend")

    assert [c.service for c in ranking.candidates] == ["cart"]
    assert not ranking.confident
    assert ranking.to_dict()["confidence"] == "low"


def test_a_symptom_off_its_baseline_gives_a_confident_ranking():
    snap = snapshot(CHAIN, {"frontend": latency(100, 480), "cart": latency(40, 400)})

    assert rank(snap, "frontend").to_dict()["confidence"] == "high"


def test_the_symptom_first_on_evidence_its_calls_could_carry_is_low_confidence():
    snap = snapshot(CHAIN, {"frontend": latency(100, 480), "cart": latency(40, 40)})

    ranking = rank(snap, "frontend")

    assert [c.service for c in ranking.candidates] == ["frontend"]
    assert not ranking.confident


def test_two_unexplained_candidates_of_like_strength_are_low_confidence():
    edges = [("frontend", "cart"), ("frontend", "search")]
    health = {
        "frontend": latency(100, 480),
        "cart": latency(40, 400),
        "search": latency(40, 380),
    }

    ranking = rank(snapshot(edges, health), "frontend").to_dict()

    assert [c["service"] for c in ranking["ranking"]][:2] == ["cart", "search"]
    assert ranking["confidence"] == "low"
    assert ranking["message"] == "low confidence: no candidate stands clearly apart from the next"


def test_a_candidate_far_ahead_of_the_next_unexplained_one_is_confident():
    edges = [("frontend", "cart"), ("frontend", "search")]
    health = {
        "frontend": latency(100, 480),
        "cart": latency(40, 400),
        "search": latency(40, 60),
    }

    assert rank(snapshot(edges, health), "frontend").confident


@pytest.mark.parametrize("symptom", ["frontend", "cart", "redis", "search"])
def test_ranking_from_the_snapshot_alone_equals_ranking_with_its_graph(symptom):
    snap = snapshot(
        [*CHAIN, ("cart", "postgres"), ("search", "cart")],
        {
            "frontend": latency(100, 420),
            "cart": latency(40, 350),
            "redis": latency(2, 300),
            "search": latency(30, 90),
        },
    )

    assert rank(snap, symptom) == rank(snap, symptom, graph=snapshot_graph(snap))


def test_the_cycle_collector_is_paused_while_ranking_and_running_again_after(monkeypatch):
    seen = []
    real_gather = ranking_module.gather

    def watched_gather(*args, **kwargs):
        seen.append(gc.isenabled())
        return real_gather(*args, **kwargs)

    monkeypatch.setattr(ranking_module, "gather", watched_gather)
    snap = snapshot(CHAIN, {"frontend": latency(100, 420), "redis": latency(2, 300)})

    assert gc.isenabled()
    assert rank(snap, "frontend").candidates[0].service == "redis"
    assert seen  # once, and again for the candidates below the threshold
    assert not any(seen)
    assert gc.isenabled()


@pytest.mark.parametrize(("cart", "confident"), [(61.0, False), (120.0, True)])
def test_a_first_candidate_is_apart_only_from_those_named_below_the_threshold_too(cart, confident):
    # cart just over the threshold, search just under it: neither stands apart; a cart far
    # over it does.
    edges = [("frontend", "cart"), ("frontend", "search")]
    health = {
        "frontend": latency(50, 90),
        "cart": latency(40, cart),
        "search": latency(40, 52.5),
    }

    ranking = rank(snapshot(edges, health), "frontend")

    assert [c.service for c in ranking.candidates] == ["cart", "frontend"]
    assert [c.service for c in ranking.below] == ["search"]
    assert ranking.confident is confident
