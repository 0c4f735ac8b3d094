"""Evidence beyond a service's own health: the time between a call's sides, own time, logs
and resource metrics, and how they are read, ranked and written."""

from dataclasses import replace

from topology.rca import Candidate, load_snapshot, rank
from topology.rca.counts import count_change
from topology.rca.dump import dump_snapshot
from topology.rca.edges import GAP, own_time_evidence
from topology.rca.evidence import Evidence, Kind
from topology.rca.explaining import culprits, passed_up
from topology.rca.gather import Findings
from topology.rca.scoring import METRIC_INFO, MetricScore
from topology.rca.snapshot import Series

from .factories import BASELINE_STEPS, INCIDENT_STEPS, latency, series, snapshot, wobble

STEPS = BASELINE_STEPS + INCIDENT_STEPS


def edge(
    calls: float,
    server_ms: float,
    gap_before: float,
    gap_during: float,
    server_during_ms: float | None = None,
) -> Series:
    """An edge's calls, server-side latency, and the time between its sides."""
    during = server_ms if server_during_ms is None else server_during_ms
    return series(
        requests=wobble(calls, STEPS),
        latency_avg_ms=[*wobble(server_ms), *wobble(during, INCIDENT_STEPS)],
        network_ms=[*wobble(gap_before), *wobble(gap_during, INCIDENT_STEPS)],
    )


def counts(before: float, during: float) -> tuple[float, ...]:
    return (before,) * BASELINE_STEPS + (during,) * INCIDENT_STEPS


def test_a_gap_grown_on_the_calls_into_a_service_blames_the_callee_not_its_callers():
    snap = snapshot(
        [("frontend", "route"), ("planner", "route")],
        {name: latency(20, 20) for name in ("frontend", "planner", "route")},
    )
    snap = replace(
        snap,
        edge_series={
            "frontend->route": edge(100, 3, 3, 2000),
            "planner->route": edge(100, 3, 3, 2000),
        },
    )
    snap = replace(snap, edges=(*snap.edges,))

    top = rank(snap, "frontend").candidates[0]

    assert top.service == "route"
    assert "edge" in top.signals
    assert "calls from frontend into route take 2.0 s longer than route spends on them" in (
        top.evidence
    )
    assert "(baseline 3 ms)" in top.evidence


def test_a_network_delay_into_a_service_blames_it_not_the_caller_that_waits_for_it():
    snap = snapshot(
        [("frontend", "checkout"), ("checkout", "route"), ("checkout", "cart")],
        {
            "frontend": latency(60, 2060),
            "checkout": latency(50, 2050),
            "route": latency(20, 20),
            "cart": latency(10, 10),
        },
    )
    snap = replace(
        snap,
        edge_series={
            "frontend->checkout": edge(100, 50, 3, 3, server_during_ms=2050),
            "checkout->route": edge(100, 20, 3, 2003),
            "checkout->cart": edge(100, 10, 3, 3),
        },
    )

    ranking = rank(snap, "frontend")

    assert ranking.candidates[0].service == "route"
    assert ranking.candidates[0].signals == ("edge",)
    by_name = {c.service: c for c in ranking.candidates}
    assert by_name["checkout"].explained_by == ("route",)


def test_a_service_slow_on_its_incoming_and_outgoing_calls_is_blamed_over_its_callees():
    names = ("frontend", "booking", "seats", "prices")
    snap = snapshot(
        [("frontend", "booking"), ("booking", "seats"), ("booking", "prices")],
        {name: latency(20, 20) for name in names},
    )
    snap = replace(
        snap,
        edge_series={
            "frontend->booking": edge(100, 20, 3, 150),
            "booking->seats": edge(100, 3, 3, 90),
            "booking->prices": edge(100, 3, 3, 90),
        },
    )

    ranking = rank(snap, "frontend")

    assert ranking.candidates[0].service == "booking"


def test_a_pod_slow_to_send_is_blamed_over_the_callee_whose_calls_it_delays():
    # A delay on booking's pod: what it answers and what it asks both come late.
    snap = snapshot(
        [("frontend", "booking"), ("booking", "accounts")],
        {
            "frontend": latency(60, 1060),
            "booking": latency(50, 550),
            "accounts": latency(20, 20),
        },
    )
    snap = replace(
        snap,
        edge_series={
            "frontend->booking": edge(100, 50, 3, 503, server_during_ms=550),
            "booking->accounts": edge(100, 20, 3, 503),
        },
    )

    ranking = rank(snap, "frontend")

    assert ranking.candidates[0].service == "booking"
    by_name = {c.service: c for c in ranking.candidates}
    assert by_name["accounts"].explained_by == ("booking",)
    assert by_name["accounts"].evidence.endswith("may be explained by anomalous callers: booking")
    assert by_name["frontend"].explained_by == ("booking",)
    assert by_name["frontend"].evidence.endswith(
        "may be explained by anomalous dependencies: booking"
    )


def test_a_callee_delayed_alone_is_not_explained_by_a_caller_slow_on_one_of_two_callers():
    snap = snapshot(
        [("frontend", "booking"), ("mobile", "booking"), ("booking", "accounts")],
        {name: latency(20, 20) for name in ("frontend", "mobile", "booking", "accounts", "prices")},
    )
    snap = replace(
        snap,
        edge_series={
            "frontend->booking": edge(100, 20, 3, 503),
            "mobile->booking": edge(100, 20, 3, 3),
            "booking->accounts": edge(100, 20, 3, 503),
        },
    )

    by_name = {c.service: c for c in rank(snap, "frontend").candidates}

    assert by_name["accounts"].explained_by == ()


def test_a_caller_whose_calls_into_several_callees_grew_is_blamed_over_each_of_them():
    # Nothing shows on the calls into booking (its caller's client time is not traced),
    # but its calls into both its callees grew, and only its calls into them did.
    snap = snapshot(
        [("frontend", "booking"), ("booking", "accounts"), ("booking", "prices")],
        {
            "frontend": latency(60, 1060),
            "booking": latency(50, 1050),
            "accounts": latency(20, 20),
            "prices": latency(20, 20),
        },
    )
    snap = replace(
        snap,
        edge_series={
            "frontend->booking": edge(100, 50, 3, 3, server_during_ms=1050),
            "booking->accounts": edge(100, 20, 3, 503),
            "booking->prices": edge(100, 20, 3, 503),
        },
    )

    ranking = rank(snap, "frontend")

    assert ranking.candidates[0].service == "booking"
    by_name = {c.service: c for c in ranking.candidates}
    assert by_name["accounts"].explained_by == ("booking",)
    assert by_name["prices"].explained_by == ("booking",)


def test_callees_whose_calls_from_every_caller_grew_are_not_the_senders_doing():
    # accounts and prices are slow to answer booking and mobile alike: each caller's calls
    # into two callees grew, but so did the other caller's.
    names = ("frontend", "mobile", "booking", "accounts", "prices")
    calls = [(caller, callee) for caller in ("booking", "mobile") for callee in names[3:]]
    entries = [("frontend", "booking"), ("frontend", "mobile")]
    snap = snapshot([*entries, *calls], {name: latency(20, 20) for name in names})
    snap = replace(
        snap,
        edge_series={
            **{f"{caller}->{callee}": edge(100, 20, 3, 3) for caller, callee in entries},
            **{f"{caller}->{callee}": edge(100, 20, 3, 503) for caller, callee in calls},
        },
    )

    by_name = {c.service: c for c in rank(snap, "frontend").candidates}

    assert by_name["accounts"].explained_by == ()
    assert by_name["prices"].explained_by == ()


def test_a_caller_waits_for_a_slowed_callee_once_per_call_it_makes():
    # checkout calls route three times per request: 1 s more per call is 3 s more for it.
    snap = snapshot(
        [("frontend", "checkout"), ("checkout", "route")],
        {
            "frontend": latency(60, 3060),
            "checkout": latency(50, 3050),
            "route": latency(20, 20),
        },
    )
    snap = replace(
        snap,
        edge_series={
            "frontend->checkout": edge(100, 50, 3, 3, server_during_ms=3050),
            "checkout->route": edge(300, 20, 3, 1003),
        },
    )

    ranking = rank(snap, "frontend")

    assert ranking.candidates[0].service == "route"
    by_name = {c.service: c for c in ranking.candidates}
    assert by_name["checkout"].explained_by == ("route",)


def test_a_percentile_that_overshoots_within_its_bucket_is_explained_by_the_mean():
    # checkout's p90, read off a histogram, lands high in the 1-2.5 s bucket; its mean
    # grew by what its calls into route gained.
    def checkout(p90_during: float) -> Series:
        return series(
            latency_avg_ms=[*wobble(50), *wobble(1050, INCIDENT_STEPS)],
            latency_p90_ms=[*wobble(80), *wobble(p90_during, INCIDENT_STEPS)],
            requests=wobble(100, STEPS),
        )

    snap = snapshot(
        [("frontend", "checkout"), ("checkout", "route")],
        {"frontend": latency(60, 1060), "checkout": checkout(2300), "route": latency(20, 20)},
    )
    snap = replace(
        snap,
        edge_series={
            "frontend->checkout": edge(100, 50, 3, 3, server_during_ms=1050),
            "checkout->route": edge(100, 20, 3, 1003),
        },
    )

    by_name = {c.service: c for c in rank(snap, "frontend").candidates}

    assert by_name["checkout"].explained_by == ("route",)


def test_own_time_grows_when_a_service_is_slower_while_its_calls_are_not():
    snap = snapshot([("frontend", "cart")], {"frontend": latency(10, 10), "cart": latency(40, 400)})
    snap = replace(snap, edge_series={"cart->db": edge(100, 30, 1, 1)})

    top = rank(snap, "frontend").candidates[0]

    assert top.service == "cart"
    assert "own time (less its calls) 369 ms (baseline 9 ms)" in top.evidence


def test_own_time_that_grew_only_because_its_calls_got_faster_is_no_evidence():
    # One quick minute in the baseline: cart's latency grew past its least, not its median.
    cart = series(
        latency_avg_ms=[1.0, *wobble(400.0, BASELINE_STEPS - 1), *wobble(405.0, INCIDENT_STEPS)],
        requests=wobble(100.0, STEPS),
    )
    snap = snapshot([("frontend", "cart")], {"frontend": latency(10, 10), "cart": cart})
    calls = series(
        requests=wobble(100.0, STEPS),
        latency_avg_ms=[*wobble(300.0), *wobble(1.0, INCIDENT_STEPS)],
        network_ms=wobble(1.0, STEPS),
    )

    found = own_time_evidence(replace(snap, edge_series={"cart->db": calls}), {"cart"}, 8.0)

    assert found == {}


def test_error_logs_and_a_vanished_template_point_at_the_service_that_wrote_them():
    snap = snapshot(
        [("frontend", "route")], {"frontend": latency(20, 20), "route": latency(10, 10)}
    )
    t = snap.series["route"].t
    logs = {
        "route": Series(
            t,
            {
                "level:ERROR": counts(0, 37),
                "level:INFO": counts(50, 50),
                "template:RouteController#53 <*>": counts(18, 0),
            },
        )
    }
    top = rank(replace(snap, logs=logs), "frontend").candidates[0]

    assert top.service == "route"
    assert top.signals == ("logs",)
    assert "ERROR logs 0 → 37/min" in top.evidence
    assert "'RouteController#53 <*>' 18/min → 0" in top.evidence


def test_logs_that_fall_with_the_traffic_are_no_evidence():
    quiet = series(requests=counts(100, 10), latency_avg_ms=counts(10, 10))
    snap = snapshot([("frontend", "route")], {"frontend": latency(20, 20), "route": quiet})
    logs = {"route": Series(quiet.t, {"template:Query route <*>": counts(50, 5)})}

    ranking = rank(replace(snap, logs=logs), "frontend")

    assert all("Query route" not in c.evidence for c in ranking.candidates)


def test_a_resource_metric_far_off_its_baseline_is_named_with_its_values():
    snap = snapshot([("frontend", "food")], {"frontend": latency(20, 20), "food": latency(10, 10)})
    cpu = Series(snap.series["food"].t, {"k8s.pod.cpu_limit_utilization": counts(0.12, 0.95)})

    top = rank(replace(snap, metrics={"food": cpu}), "frontend").candidates[0]

    assert top.service == "food"
    assert top.signals == ("metrics",)
    assert "k8s.pod.cpu_limit_utilization 0.12 → 0.95" in top.evidence


def test_signals_that_agree_rank_a_service_above_one_signal_alone():
    snap = snapshot(
        [("frontend", "a"), ("frontend", "b")],
        {"frontend": latency(20, 20), "a": latency(10, 60), "b": latency(10, 60)},
    )
    cpu = Series(snap.series["b"].t, {"cpu": counts(0.1, 0.9)})

    ranking = rank(replace(snap, metrics={"b": cpu}), "frontend")

    assert [c.service for c in ranking.candidates[:2]] == ["b", "a"]
    assert ranking.candidates[0].signals == ("latency", "metrics")


def test_logs_and_metrics_are_written_and_read_back():
    snap = snapshot([("frontend", "route")], {"route": latency(10, 10)})
    t = snap.series["route"].t
    snap = replace(
        snap,
        logs={"route": Series(t, {"level:ERROR": counts(0, 3), "template:a <*> b": counts(1, 0)})},
        metrics={"route": Series(t, {"k8s.pod.memory.usage": (None,) * len(t)})},
    )

    again = load_snapshot(dump_snapshot(snap), source="written")

    assert again.logs == snap.logs
    assert again.metrics == snap.metrics


def test_an_older_snapshot_without_logs_or_metrics_reads_as_empty_evidence():
    again = load_snapshot(dump_snapshot(snapshot([("a", "b")], {})), source="older")

    assert again.logs == {}
    assert again.metrics == {}


def test_a_count_that_follows_its_traffic_is_no_change():
    before = [(10.0, 100.0)] * 30
    during = [(20.0, 200.0)] * 3

    assert count_change(before, during, 8.0) is None


def test_a_template_that_vanishes_while_traffic_holds_scores_as_a_rare_event():
    before = [(18.0, 40.0), (17.0, 38.0), (19.0, 41.0)] * 10
    during = [(0.0, 40.0), (0.0, 39.0)]

    change = count_change(before, during, 8.0)

    assert change is not None
    assert not change.up
    assert change.score > 8.0
    assert change.seen == 0.0


def test_a_count_that_varies_widely_in_the_baseline_needs_a_larger_change():
    steady = [(10.0, 100.0)] * 30
    bursty = [(0.0, 100.0), (20.0, 100.0)] * 15
    during = [(3.0, 100.0)] * 3

    calm = count_change(steady, during, 0.1)
    wild = count_change(bursty, during, 0.1)

    assert calm is not None
    assert wild is None or wild.score < calm.score


def test_minutes_in_which_a_service_served_nothing_say_nothing_of_its_logs():
    quiet_then_busy = [0.0] * 50 + [100.0] * 10 + [100.0] * INCIDENT_STEPS
    served = series(requests=quiet_then_busy, latency_avg_ms=[10.0] * STEPS)
    snap = snapshot([("frontend", "route")], {"frontend": latency(20, 20), "route": served})
    lines = [0.0] * 50 + [30.0] * 10 + [30.0] * INCIDENT_STEPS
    logs = {"route": Series(served.t, {"template:Query route <*>": tuple(lines)})}

    ranking = rank(replace(snap, logs=logs), "frontend")

    assert all(c.service != "route" for c in ranking.candidates)


def test_an_earlier_episode_of_the_same_fault_in_the_baseline_does_not_set_the_usual_rate():
    # An hour of quiet minutes, then three minutes of the same fault's errors, then quiet.
    usual = [(0.0, 40.0), (1.0, 40.0), (0.0, 40.0)] * 9
    episode = [(16.0, 30.0), (16.0, 30.0), (19.0, 38.0)]
    during = [(18.0, 40.0), (17.0, 38.0), (20.0, 41.0)]

    change = count_change([*usual[:12], *episode, *usual[12:]], during, 8.0)

    assert change is not None
    assert change.up
    assert change.score > 8.0
    assert change.expected < 1.0


def test_a_template_vanishing_again_is_seen_despite_an_earlier_gap_in_the_baseline():
    usual = [(18.0, 40.0), (17.0, 38.0), (19.0, 41.0)] * 9
    gone = [(0.0, 40.0), (0.0, 39.0), (0.0, 41.0)]
    during = [(0.0, 40.0), (0.0, 39.0)]

    change = count_change([*usual[:15], *gone, *usual[15:]], during, 8.0)

    assert change is not None
    assert not change.up
    assert change.score > 8.0


def test_lines_logged_in_a_few_baseline_minutes_only_are_no_new_template_when_they_return():
    # A request type that comes now and then: its lines in a third of the minutes.
    now_and_then = [(6.0, 40.0), (0.0, 40.0), (0.0, 40.0)] * 10
    during = [(6.0, 40.0), (0.0, 40.0), (6.0, 40.0)]

    change = count_change(now_and_then, during, 8.0)

    assert change is None or change.score < 8.0


def test_an_earlier_episode_in_the_baseline_leaves_the_service_ranked_for_its_errors():
    served = series(requests=counts(40, 40), latency_avg_ms=counts(10, 10))
    snap = snapshot([("frontend", "route")], {"frontend": latency(20, 20), "route": served})
    quiet = counts(0, 6)
    errors = (*quiet[:30], 16.0, 17.0, 15.0, 18.0, 17.0, *quiet[35:])
    logs = {"route": Series(served.t, {"level:ERROR": errors, "level:INFO": counts(50, 50)})}

    top = rank(replace(snap, logs=logs), "frontend").candidates[0]

    assert top.service == "route"
    assert "ERROR logs" in top.evidence


def error_logs(t: tuple[float, ...]) -> dict[str, Series]:
    return {"checkout": Series(t, {"level:ERROR": counts(0, 30), "level:INFO": counts(50, 50)})}


def test_error_logs_of_a_caller_are_not_explained_by_a_dependency_that_is_only_slower():
    # An exception in checkout: it logs errors; cart, which it calls, is slower for its own
    # reasons (a heavier request mix), and fails nothing.
    snap = snapshot(
        [("frontend", "checkout"), ("checkout", "cart")],
        {"frontend": latency(20, 20), "checkout": latency(30, 30), "cart": latency(10, 25)},
    )
    logs = error_logs(snap.series["checkout"].t)

    ranking = rank(replace(snap, logs=logs), "frontend")
    by_name = {c.service: c for c in ranking.candidates}

    assert by_name["checkout"].explained_by == ()
    assert ranking.candidates[0].service == "checkout"


def failing() -> Series:
    """A service whose requests hold steady while 40 % of them fail."""
    return series(
        requests=counts(100, 100),
        errors=counts(0, 40),
        availability_pct=counts(100, 60),
        latency_avg_ms=counts(10, 10),
    )


def ranked_with_checkout_logging_errors(
    calls: list[tuple[str, str]], below: dict[str, Series]
) -> tuple[list[str], dict[str, Candidate]]:
    """The ranking from frontend, checkout logging errors: the order, and each by name."""
    quiet = {"frontend": latency(20, 20), "checkout": latency(30, 30)}
    snap = snapshot(calls, {**quiet, **below})
    logs = error_logs(snap.series["checkout"].t)
    ranking = rank(replace(snap, logs=logs), "frontend")
    return [c.service for c in ranking.candidates], {c.service: c for c in ranking.candidates}


def test_error_logs_of_a_caller_are_explained_by_a_dependency_that_fails():
    calls = [("frontend", "checkout"), ("checkout", "cart")]
    order, by_name = ranked_with_checkout_logging_errors(calls, {"cart": failing()})

    assert order[0] == "cart"
    assert by_name["checkout"].explained_by == ("cart",)


def test_error_logs_of_a_caller_are_explained_by_a_failure_passed_up_through_a_quiet_service():
    calls = [("frontend", "checkout"), ("checkout", "proxy"), ("proxy", "cart")]
    below = {"proxy": latency(5, 5), "cart": failing()}
    order, by_name = ranked_with_checkout_logging_errors(calls, below)

    assert order[0] == "cart"
    assert by_name["checkout"].explained_by == ("cart",)
    assert "may be explained by anomalous dependencies: cart (below proxy)" in (
        by_name["checkout"].evidence
    )


def test_a_failure_below_is_not_passed_up_through_a_service_with_evidence_of_its_own():
    calls = [("frontend", "checkout"), ("checkout", "proxy"), ("proxy", "cart")]
    below = {"proxy": latency(5, 80), "cart": failing()}
    _, by_name = ranked_with_checkout_logging_errors(calls, below)

    assert by_name["checkout"].explained_by == ()


def test_a_failure_is_passed_up_only_by_the_nearest_failing_service_on_each_path():
    fails = Evidence(Kind.ERRORS, 9.0, "errors", explainable=True)
    fewer = Evidence(Kind.LOGS, 9.0, "fewer lines", explainable=False, from_callers=True)
    succ = {"a": ["b"], "b": ["c", "d"], "c": ["e"], "d": [], "e": []}
    findings = Findings(evidence={"c": [fails], "d": [fewer], "e": [fails]})

    assert passed_up("a", succ, findings) == {"c": "b"}
    assert passed_up("b", succ, findings) == {}


def test_minutes_like_the_baselines_are_no_change_though_its_ends_are_left_out():
    # Large, steadily varying counts: cutting the busiest minutes alone would make
    # ordinary incident minutes look like a rise.
    wobbling = [(8000.0, 100.0), (10000.0, 100.0), (12000.0, 100.0), (9000.0, 100.0)]
    change = count_change(wobbling * 15, wobbling * 10, 8.0)

    assert change is None or change.score < 8.0


def test_the_time_a_late_sender_adds_to_its_own_calls_does_not_explain_its_latency():
    waited = MetricScore(METRIC_INFO["latency_avg_ms"], 40.0, 50.0, 550.0)
    gap = MetricScore(GAP, 60.0, 3.0, 503.0)
    slow = Evidence(Kind.LATENCY, 40.0, "average latency", explainable=True, metric=waited)

    a_little = MetricScore(METRIC_INFO["latency_avg_ms"], 9.0, 20.0, 40.0)
    slower = Evidence(Kind.LATENCY, 9.0, "average latency", explainable=True, metric=a_little)

    def findings(through: str | None, *also: Evidence) -> Findings:
        late = Evidence(Kind.EDGE, 40.0, "calls from booking", explainable=False, through=through)
        return Findings(
            evidence={"booking": [slow], "accounts": [late, *also]},
            health={"booking": [waited], **({"accounts": [a_little]} if also else {})},
            gaps={("booking", "accounts"): gap},
        )

    succ: dict[str, list[str]] = {"booking": ["accounts"], "accounts": []}
    for also in ((), (slower,)):
        assert culprits("booking", [slow], succ, [], findings(None, *also)) == (("accounts",), {})
        assert culprits("booking", [slow], succ, [], findings("booking", *also)) == ((), {})
