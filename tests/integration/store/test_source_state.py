"""Source progress and the refresh lease, on SQLite and Postgres."""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy.engine import Engine

from bot.adapters.store.sources_state import SourceState, SourceStates
from tests.integration.store.leasing import contend

T = 1_700_000_040


@pytest.fixture
def states(engine: Engine) -> SourceStates:
    return SourceStates(engine)


def test_a_source_never_pulled_has_no_state(states):
    assert states.get("zipkin") is None


def test_a_success_advances_the_high_water_and_an_error_keeps_it(states):
    states.record_success("zipkin", high_water=T, now_s=T, spans=12)
    states.record_error("zipkin", now_s=T + 60, message="zipkin: GET /api/v2/traces: HTTP 503")
    assert states.get("zipkin") == SourceState(
        "zipkin", T, T, T + 60, "zipkin: GET /api/v2/traces: HTTP 503", 12
    )
    states.record_success("zipkin", high_water=T + 120, now_s=T + 120, spans=3)
    assert states.get("zipkin") == SourceState(
        "zipkin", T + 120, T + 120, T + 60, "zipkin: GET /api/v2/traces: HTTP 503", 3
    )


def test_only_one_holder_gets_the_lease_until_it_expires(states):
    assert states.try_lease("refresh", "a", T, 180)
    assert not states.try_lease("refresh", "b", T + 1, 180)
    assert not states.try_lease("refresh", "b", T + 180, 180)
    assert states.try_lease("refresh", "b", T + 181, 180)
    assert not states.try_lease("refresh", "a", T + 182, 180)


def test_the_holder_renews_its_own_lease(states):
    assert states.try_lease("refresh", "a", T, 180)
    assert states.try_lease("refresh", "a", T + 100, 180)
    assert not states.try_lease("refresh", "b", T + 200, 180)


def test_a_released_lease_is_free_at_once_but_not_released_by_another(states):
    assert states.try_lease("refresh", "a", T, 180)
    states.release_lease("refresh", "b")
    assert not states.try_lease("refresh", "b", T + 1, 180)
    states.release_lease("refresh", "a")
    assert states.try_lease("refresh", "b", T + 1, 180)


def test_leases_of_different_names_do_not_block_each_other(states):
    assert states.try_lease("refresh", "a", T, 180)
    assert states.try_lease("rollup", "b", T, 180)


@pytest.mark.slow
def test_processes_contending_for_the_lease_on_postgres_exactly_one_wins(database_url, engine):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serves one host; the lease across replicas is a Postgres matter")
    spawn = multiprocessing.get_context("spawn")
    count = 4
    start = spawn.Barrier(count)
    results = spawn.Queue()
    workers = [
        spawn.Process(target=contend, args=(database_url, f"replica-{n}", T, start, results))
        for n in range(count)
    ]
    for worker in workers:
        worker.start()
    outcomes = dict(results.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
    assert [worker.exitcode for worker in workers] == [0] * count
    assert sorted(outcomes.values()) == [False] * (count - 1) + [True]
