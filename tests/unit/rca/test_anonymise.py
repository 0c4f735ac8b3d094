"""Anonymised snapshots: keyed pseudonyms for names, free text dropped, the ranking unchanged."""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topology.rca import rank
from topology.rca.anonymise import PseudonymClashError, Pseudonyms, anonymised
from topology.rca.dump import dump_snapshot
from topology.rca.snapshot import Series, SnapshotEdge, SnapshotService, Symptom

from .factories import latency, snapshot

KEY = b"a key of thirty-two bytes, or so"
CHAIN = [("frontend", "cart"), ("cart", "redis"), ("frontend", "search"), ("search", "es")]
HEALTH = {"frontend": (100, 420), "cart": (40, 350), "redis": (2, 300), "search": (30, 90)}


def shop(names: dict[str, str] | None = None):
    """The chain with its health, its names replaced as `names` says."""
    name = (names or {}).get
    edges = [(name(a, a), name(b, b)) for a, b in CHAIN]
    health = {name(n, n): latency(*levels) for n, levels in HEALTH.items()}
    return snapshot(edges, health, symptom=Symptom(name("frontend", "frontend"), "latency"))


def order(ranking, back=None):
    back = back or {}
    return [(back.get(c.service, c.service), c.score, c.signals) for c in ranking.candidates]


def test_ranking_the_anonymised_snapshot_gives_the_same_order():
    original = shop()
    pseudonyms = Pseudonyms(KEY)
    anonymous = anonymised(original, pseudonyms)

    symptom = pseudonyms.service("frontend")
    assert len(rank(original, "frontend").candidates) >= 3
    assert order(rank(anonymous, symptom), pseudonyms.names) == order(rank(original, "frontend"))


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30),
        min_size=6,
        max_size=6,
        unique=True,
    ),
    st.binary(min_size=16, max_size=64),
)
def test_whatever_the_names_and_key_the_order_maps_back_the_same(names, key):
    original = shop(dict(zip(["frontend", "cart", "redis", "search", "es"], names, strict=False)))
    pseudonyms = Pseudonyms(key)
    symptom = original.symptom.service
    anonymous = anonymised(original, pseudonyms)

    back = pseudonyms.names
    assert order(rank(anonymous, pseudonyms.service(symptom)), back) == order(
        rank(original, symptom)
    )


def test_names_owners_templates_and_custom_metrics_leave_no_trace():
    original = replace(
        shop(),
        services=(SnapshotService("cart", owner="team-of-alice"), SnapshotService("redis")),
        edges=(*shop().edges, SnapshotEdge("cart", "redis", "customer 42's db")),
        logs={"cart": Series((0.0,), {"template:order 7 for bob@x.io failed": (1,), "x:y": (2,)})},
        metrics={"cart": Series((0.0,), {"acme.bob_queue": (1.0,), "process.cpu.time": (2.0,)})},
        edge_series={"cart->redis": Series((0.0,), {"requests": (3,)})},
    )
    text = dump_snapshot(anonymised(original, Pseudonyms(KEY))).decode()

    for secret in ("cart", "redis", "alice", "bob", "customer", "acme", "x:y", "frontend"):
        assert secret not in text
    assert "process.cpu.time" in text
    assert '"connection_type": null' in text


def test_the_symptoms_metric_is_kept_as_its_family_alone():
    original = replace(shop(), symptom=Symptom("frontend", "checkout_p99_latency_acme", "p99"))
    anonymous = anonymised(original, Pseudonyms(KEY))
    assert anonymous.symptom is not None
    assert (anonymous.symptom.metric, anonymous.symptom.statistic) == ("latency", "p99")
    free = replace(shop(), symptom=Symptom("frontend", "acme", "what bob saw"))
    assert anonymised(free, Pseudonyms(KEY)).symptom == Symptom(
        Pseudonyms(KEY).service("frontend"), None, None
    )


def test_pseudonyms_are_stable_per_key_and_differ_between_keys():
    assert Pseudonyms(KEY).service("cart") == Pseudonyms(KEY).service("cart")
    assert Pseudonyms(KEY).service("cart") != Pseudonyms(b"another key entirely").service("cart")
    assert Pseudonyms(KEY).service("cart") != Pseudonyms(KEY).of("team", "cart").replace(
        "team", "svc"
    )


def test_two_names_with_one_pseudonym_are_refused():
    pseudonyms = Pseudonyms(KEY)
    pseudonyms.names[pseudonyms.service("cart")] = "someone else"
    with pytest.raises(PseudonymClashError, match="another key"):
        pseudonyms.service("cart")
