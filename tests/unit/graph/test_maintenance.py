import itertools

import pytest

from topology.errors import UsageError
from topology.queries.maintenance import (
    HOUR,
    WEEK,
    hourly_loss,
    lost_requests,
    plan,
    quiet_windows,
    week_impact,
)

from .factories import catalog, graph_of

MONDAY = 1_777_852_800  # 2026-05-04T00:00Z


def test_lost_requests_weigh_each_entry_by_its_share():
    graph = graph_of(("web", "api", 80), ("web", "static", 20), ("batch", "report", 10))

    lost, total = lost_requests(graph, ["api"], {"web": 100, "batch": 50})

    assert (lost, total) == (pytest.approx(80.0), 150.0)


def test_a_downed_entry_loses_all_its_requests_and_unknown_names_nothing():
    graph = graph_of(("web", "api"), ("batch", "report"))

    assert lost_requests(graph, ["batch"], {"web": 10, "batch": 30}) == (30.0, 40.0)
    assert lost_requests(graph, ["gone"], {"web": 10, "batch": 30}) == (0.0, 40.0)


def test_a_week_names_the_teams_owning_what_would_lose_calls():
    graph = graph_of(("web", "api"), ("api", "db"), ("admin", "db"))
    owners = catalog({"web": "front", "api": "core"})

    impact, by_team = week_impact(graph, ["db"], {"web": 10, "admin": 2}, owners, (0, HOUR))

    assert impact.affected == 3
    assert impact.teams == ("core", "front", "unowned")
    assert by_team == {"core": ("api",), "front": ("web",), "unowned": ("admin",)}
    assert impact.lost_share == 1.0


def test_the_plan_takes_the_median_of_the_weeks_with_traffic_and_counts_team_weeks():
    graph = graph_of(("web", "api"))
    owners = catalog({"web": "front"})
    weeks = [
        week_impact(graph, ["api"], {"web": served}, owners, (0, HOUR)) for served in (10, 30, 20)
    ]
    empty = week_impact(graph_of(), [], {}, owners, (0, HOUR))

    made = plan(["api"], (WEEK, WEEK + HOUR), [*weeks, empty])

    assert made.median_lost_requests == 20.0
    assert [(team.team, team.weeks, team.services) for team in made.teams] == [
        ("front", 3, ("web",))
    ]
    assert made.to_dict()["start_text"] == "1970-01-08T00:00:00Z"


def test_a_plan_without_traffic_has_no_median():
    made = plan(["api"], (0, HOUR), [week_impact(graph_of(), [], {}, catalog({}), (0, HOUR))])

    assert made.median_lost_requests is None


def test_the_quietest_windows_come_first_and_never_overlap():
    hourly = {}
    for week in (1, 2):
        for hour in range(7 * 24):
            begin = MONDAY - week * WEEK + hour * HOUR
            quiet = hour in (27, 28)  # Tuesday 03:00 and 04:00
            hourly[begin] = (1.0 if quiet else 50.0, 100.0)

    found = quiet_windows(hourly, start=MONDAY, length=2 * HOUR, weeks=2)

    assert found[0].start == MONDAY + 27 * HOUR
    assert found[0].lost_requests == 2.0
    assert found[0].weeks == 2
    assert len(found) == 3
    for one, other in itertools.pairwise(found):
        assert one.end <= other.start or one.start >= other.end


def test_hours_without_data_never_make_a_window_look_quiet():
    hourly = {MONDAY - WEEK + hour * HOUR: (10.0, 20.0) for hour in range(5)}

    found = quiet_windows(hourly, start=MONDAY, length=HOUR, weeks=1)

    assert {window.start for window in found} <= {MONDAY + hour * HOUR for hour in range(5)}
    assert all(window.lost_requests == 10.0 for window in found)


def test_a_start_between_hours_is_rounded_up_to_the_next_hour():
    hourly = {MONDAY - WEEK + HOUR: (1.0, 1.0)}

    [found] = quiet_windows(hourly, start=MONDAY + 60, length=HOUR, weeks=1)

    assert found.start == MONDAY + HOUR


def test_hourly_loss_applies_the_maps_shares_to_each_hours_entry_requests():
    graph = graph_of(("web", "api", 50), ("web", "static", 50))

    found = hourly_loss(graph, ["api"], {0: {"web": 10}, HOUR: {"web": 4, "api": 99}})

    assert found == {0: (pytest.approx(5.0), 10.0), HOUR: (pytest.approx(2.0), 4.0)}


@pytest.mark.parametrize(("length", "weeks"), [(0, 1), (HOUR, 0)])
def test_bad_windows_are_refused(length, weeks):
    with pytest.raises(UsageError):
        quiet_windows({}, start=MONDAY, length=length, weeks=weeks)
