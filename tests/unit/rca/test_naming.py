"""Callers' logs that name a service they call: evidence against the service they name."""

from dataclasses import replace

from hypothesis import assume, given
from hypothesis import strategies as st

from topology.rca import rank
from topology.rca.naming import _names, named_evidence
from topology.rca.ranking import QUIET_THRESHOLD
from topology.rca.snapshot import Series

from .factories import BASELINE_STEPS, INCIDENT_STEPS, latency, snapshot

UNREACHABLE = "template:<NUM> ERROR No instances available for {} with root cause"
EDGES = [("frontend", "auth"), ("auth", "verification-code"), ("auth", "users")]


def counts(before: float, during: float) -> tuple[float, ...]:
    return (before,) * BASELINE_STEPS + (during,) * INCIDENT_STEPS


def with_logs(logs: dict[str, dict[str, tuple[float, ...]]]):
    snap = snapshot(
        EDGES, {name: latency(10, 10) for name in ("frontend", "auth", "verification-code")}
    )
    t = snap.series["auth"].t
    return replace(snap, logs={name: Series(t, keys) for name, keys in logs.items()})


def test_a_caller_logging_that_it_cannot_reach_a_service_points_at_that_service():
    snap = with_logs(
        {
            "auth": {
                "level:ERROR": counts(0, 6),
                UNREACHABLE.format("verification-code"): counts(0, 6),
            },
            "verification-code": {"level:INFO": counts(5, 5)},
        }
    )

    ranking = rank(snap, "frontend")

    top = ranking.candidates[0]
    assert top.service == "verification-code"
    assert top.signals == ("logs",)
    assert "auth logs '" in top.evidence
    assert "No instances available for verification-code with root cause' 0 → 6/min" in (
        top.evidence
    )
    assert ranking.candidates[1].service == "auth"
    assert ranking.candidates[1].explained_by == ("verification-code",)


def test_a_name_inside_a_longer_name_or_a_service_not_called_is_not_named():
    snap = with_logs(
        {
            "auth": {
                UNREACHABLE.format("verification-code-v2"): counts(0, 6),
                UNREACHABLE.format("billing"): counts(0, 6),
                UNREACHABLE.format("xusers"): counts(0, 6),
            }
        }
    )

    assert named_evidence(snap, {"frontend", "auth", "verification-code", "users"}, 2.0) == {}


def test_a_template_that_names_a_service_but_did_not_rise_is_no_evidence():
    steady = with_logs({"auth": {UNREACHABLE.format("users"): counts(6, 6)}})
    fallen = with_logs({"auth": {UNREACHABLE.format("users"): counts(6, 0)}})
    names = {"frontend", "auth", "verification-code", "users"}

    assert named_evidence(steady, names, 2.0) == {}
    assert named_evidence(fallen, names, 2.0) == {}


def test_each_service_named_gets_the_evidence_at_the_templates_score():
    both = "template:calls to users and verification-code failed"
    snap = with_logs({"auth": {both: counts(0, 6)}})

    found = named_evidence(snap, {"frontend", "auth", "verification-code", "users"}, 2.0)

    assert set(found) == {"users", "verification-code"}
    assert found["users"][0].score == found["verification-code"][0].score >= QUIET_THRESHOLD


service_names = st.from_regex(r"[a-z][a-z0-9]*(-[a-z0-9]+){0,3}", fullmatch=True)
apart = st.sampled_from([" ", "", ": ", "[", "]", "/", "'", "(", ")", ","])


@given(name=service_names, before=apart, after=apart, text=st.text(max_size=40))
def test_a_name_is_found_between_anything_that_cannot_continue_it(name, before, after, text):
    assume(name not in text)
    lead = f"{text}{before}"
    tail = f"{after}{text}"
    line = f"{lead}{name}{tail}"
    joined = bool(lead) and (lead[-1].isalnum() or lead[-1] in "_.-")
    continued = bool(tail) and (tail[0].isalnum() or tail[0] in "_-")

    assert _names(line, name) is not (joined or continued)
