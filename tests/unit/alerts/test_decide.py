from tests.unit.alerts.groups import T0, alert, group
from tests.unit.graph.factories import graph_of
from topology.incidents.decide import (
    GROUP_WINDOW_S,
    REFIRE_S,
    STORM_LIMIT,
    Episode,
    NoticeKind,
    PagedIncident,
    RecentIncident,
    downstream,
    fault_start,
    join_target,
    neighbours,
    page_joined,
    page_once_sure,
    paged_already,
    plan_firing,
    symptom_of,
)
from topology.incidents.keys import dedup_key, incident_key
from topology.incidents.model import AlertStatus, PagingMode, Severity
from topology.ownership import Catalog, Team

LABELS = ("service", "job")
# web calls shop, shop calls pay, pay calls db.
GRAPH = graph_of(("web", "shop"), ("shop", "pay"), ("pay", "db"), ("admin", "shop"))
CATALOG = Catalog(
    owners={"web": "frontend", "admin": "frontend", "shop": "commerce", "pay": "payments"},
    teams={
        "frontend": Team("frontend", "#frontend", "K" * 32),
        "commerce": Team("commerce", "#commerce", "C" * 32),
        "payments": Team("payments", "#payments", "P" * 32),
    },
)


def plan(candidates=("pay", "shop"), symptom="shop", **options):
    given = {
        "incident": "abc-1",
        "symptom": symptom,
        "candidates": list(candidates),
        "confident": True,
        "graph": GRAPH,
        "catalog": CATALOG,
        "mode": PagingMode.ON,
        "incident_channel": "#incidents",
        "severity": Severity.CRITICAL,
    }
    return plan_firing(**{**given, **options})


def test_the_service_label_names_the_symptom():
    assert symptom_of(group(alert("checkout")), LABELS) == "checkout"


def test_the_job_label_names_it_when_there_is_no_service_label():
    assert symptom_of(group(alert("cart", label="job")), LABELS) == "cart"


def test_the_service_most_alerts_name_is_the_symptom():
    alerts = (alert("a", fingerprint="1"), alert("b", fingerprint="2"), alert("b", fingerprint="3"))

    assert symptom_of(group(*alerts), LABELS) == "b"


def test_alerts_naming_no_service_have_no_symptom():
    assert symptom_of(group(alert(None)), LABELS) is None


def test_the_same_notification_gives_the_same_incident_key():
    assert incident_key(group(alert())) == incident_key(group(alert()))


def test_a_new_episode_of_the_group_gets_a_new_incident_key():
    later = alert(starts_at=T0 + 900)

    assert incident_key(group(alert(starts_at=T0))) != incident_key(group(later))


def test_another_group_gets_another_incident_key():
    assert incident_key(group(key="a")) != incident_key(group(key="b"))


def test_a_resolved_alert_of_a_firing_group_does_not_move_its_key():
    resolved_earlier = alert(status=AlertStatus.RESOLVED, starts_at=T0 - 50, fingerprint="2")

    assert incident_key(group(alert(), resolved_earlier)) == incident_key(group(alert()))


def test_dedup_keys_are_stable_and_plain_whatever_the_service_name():
    odd = "pay ment/\u00e9\n" * 20

    key = dedup_key("abc-1", odd)

    assert key == dedup_key("abc-1", odd)
    assert key.isascii()
    assert len(key) < 255
    assert dedup_key("abc-1", "pay") == "svcmap/abc-1/pay"
    assert dedup_key("abc-1", "pay ment") != dedup_key("abc-1", "pay_ment")


def test_the_owner_of_the_top_candidate_is_paged():
    decided = plan()

    assert decided.page is not None
    assert (decided.page.service, decided.page.team) == ("pay", "payments")
    assert decided.page.dedup_key == "svcmap/abc-1/pay"
    assert decided.page.severity is Severity.CRITICAL
    assert decided.page.reason == "owner of the top root-cause candidate"


def test_an_empty_ranking_pages_the_owner_of_the_alerted_service():
    decided = plan(candidates=())

    assert decided.page is not None
    assert (decided.page.service, decided.page.team) == ("shop", "commerce")
    assert "no root-cause candidate stood out" in decided.page.reason


def test_an_unpageable_top_candidate_falls_back_to_the_alerted_service_owner():
    decided = plan(candidates=("db", "shop"))

    assert decided.page is not None
    assert decided.page.team == "commerce"
    assert "db's owner cannot be paged" in decided.page.reason


def test_nobody_is_paged_when_no_owner_has_a_routing_key_and_the_post_says_why():
    decided = plan(candidates=("db",), symptom="db")

    assert decided.page is None
    assert decided.note == "nobody paged: no owner of db has a PagerDuty routing key"


def test_nobody_is_paged_when_paging_is_off():
    decided = plan(mode=PagingMode.OFF)

    assert decided.page is None
    assert decided.note == "paging is off"


def test_a_ranking_that_is_not_confident_pages_the_alerted_services_owner_not_the_top_candidates():
    decided = plan(candidates=("pay", "db"), confident=False)

    assert decided.page is not None
    assert (decided.page.service, decided.page.team) == ("shop", "commerce")
    assert decided.page.reason == (
        "owner of the alerted service: the ranking is unsure pay is the cause"
    )
    assert decided.page.dedup_key == "svcmap/abc-1/shop"


def test_a_ranking_that_is_not_confident_names_its_candidates_as_suggestions_not_the_cause():
    decided = plan(candidates=("pay", "db"), confident=False)

    assert decided.cause is None
    assert decided.suggestions == ("pay", "db")


def test_a_confident_ranking_names_its_top_candidate_as_the_cause_and_suggests_nothing():
    decided = plan(candidates=("pay", "db"), confident=True)

    assert decided.cause == "pay"
    assert decided.suggestions == ()


def test_a_quiet_ranking_pages_the_alerted_services_owner_and_suggests_nothing():
    decided = plan(candidates=(), confident=False)

    assert decided.page is not None
    assert (decided.page.service, decided.page.team) == ("shop", "commerce")
    assert decided.page.reason == "owner of the alerted service: no root-cause candidate stood out"
    assert decided.suggestions == ()


def test_when_not_confident_and_the_alerted_service_has_no_owner_nobody_is_paged_and_told_why():
    decided = plan(candidates=("pay", "shop"), symptom="db", confident=False)

    assert decided.page is None
    assert decided.note == (
        "nobody paged: no owner of db has a PagerDuty routing key; "
        "the ranking is not sure enough of pay to page its owner"
    )
    assert decided.suggestions == ("pay", "shop")


def test_when_not_confident_the_post_goes_to_the_alerted_services_channel():
    decided = plan(candidates=("pay",), confident=False, incident_channel=None)

    assert (decided.notices[0].kind, decided.notices[0].channel) == (
        NoticeKind.INCIDENT,
        "#commerce",
    )


def test_when_not_confident_upstream_owners_are_told_and_never_paged():
    decided = plan(candidates=("pay",), confident=False)

    upstream = {n.team: n for n in decided.notices if n.kind is NoticeKind.UPSTREAM}
    assert set(upstream) == {"frontend"}
    assert upstream["frontend"].services == ("admin", "web")
    assert decided.page is not None
    assert decided.page.team == "commerce"


def test_upstream_owners_are_told_once_per_team_and_never_the_paged_team():
    decided = plan()

    upstream = {n.team: n for n in decided.notices if n.kind is NoticeKind.UPSTREAM}
    assert set(upstream) == {"commerce", "frontend"}
    assert upstream["frontend"].services == ("admin", "web")
    assert upstream["frontend"].channel == "#frontend"
    assert "payments" not in upstream


def test_the_incident_channel_gets_the_incident_post_first():
    decided = plan()

    assert decided.notices[0].kind is NoticeKind.INCIDENT
    assert decided.notices[0].channel == "#incidents"


def test_without_an_incident_channel_the_post_goes_to_the_cause_owners_channel():
    decided = plan(incident_channel=None)

    assert (decided.notices[0].kind, decided.notices[0].channel) == (
        NoticeKind.INCIDENT,
        "#payments",
    )
    assert [n.kind for n in decided.notices[1:]] == [NoticeKind.UPSTREAM] * 2


def test_without_any_channel_there_is_no_incident_post():
    bare = Catalog(owners=CATALOG.owners, teams={n: Team(n) for n in CATALOG.teams})

    decided = plan(incident_channel=None, catalog=bare)

    assert decided.notices == ()


def test_the_incident_post_names_every_service_hit_and_the_plan_keeps_them():
    decided = plan()

    assert decided.notices[0].services == ("admin", "pay", "shop", "web")
    assert decided.affected_services == ("admin", "pay", "shop", "web")


def test_an_alert_for_a_service_off_the_map_still_tells_and_pages_its_owner():
    decided = plan(candidates=(), symptom="shop", graph=None)

    assert decided.page is not None
    assert decided.page.team == "commerce"
    assert [n.kind for n in decided.notices] == [NoticeKind.INCIDENT]
    assert decided.affected_teams == ("commerce",)


def test_neighbours_are_everything_up_and_down_the_map():
    assert neighbours(GRAPH, "pay") == {"pay", "db", "shop", "web", "admin"}
    assert neighbours(GRAPH, "nowhere") == frozenset()
    assert neighbours(None, "pay") == frozenset()


def recent(*items):
    return [RecentIncident(i, symptom, opened) for i, (symptom, opened) in enumerate(items, 1)]


def test_a_related_group_joins_a_recent_open_incident():
    opened = recent(("shop", T0))

    assert join_target("pay", neighbours(GRAPH, "pay"), opened, T0 + 60) == 1


def test_an_unrelated_group_opens_its_own_incident():
    opened = recent(("other", T0))

    assert join_target("pay", neighbours(GRAPH, "pay"), opened, T0 + 60) is None


def test_a_related_group_after_the_window_opens_its_own_incident():
    opened = recent(("shop", T0))

    assert join_target("pay", neighbours(GRAPH, "pay"), opened, T0 + GROUP_WINDOW_S + 1) is None


def test_in_a_storm_every_new_group_joins_the_newest_incident():
    opened = recent(*((f"svc{i}", T0 + i) for i in range(STORM_LIMIT)))

    assert join_target("unrelated", frozenset(), opened, T0 + 60) == STORM_LIMIT
    assert join_target(None, frozenset(), opened, T0 + 60) == STORM_LIMIT


def test_a_group_paging_a_team_already_paged_about_the_same_cause_joins_the_newest_such():
    paged = [
        PagedIncident(1, "pay", "payments", T0),
        PagedIncident(2, "pay", "payments", T0 + 3_600),
        PagedIncident(3, "db", "payments", T0 + 7_200),
    ]

    assert paged_already("pay", "payments", paged) == 2
    assert paged_already("db", "payments", paged) == 3


def test_a_group_naming_another_cause_or_paging_another_team_pages():
    paged = [PagedIncident(1, "pay", "payments", T0)]

    assert paged_already("shop", "payments", paged) is None
    assert paged_already("pay", "frontend", paged) is None
    assert paged_already(None, "payments", [PagedIncident(1, None, "payments", T0)]) is None
    assert paged_already("pay", None, paged) is None
    assert paged_already("pay", "payments", []) is None


def sure(cause="pay", *, symptom="shop", paged_team="commerce", **options):
    given = {
        "incident": "abc-1",
        "symptom": symptom,
        "cause": cause,
        "confident": True,
        "before": cause,
        "paged_team": paged_team,
        "catalog": CATALOG,
        "mode": PagingMode.ON,
        "severity": Severity.ERROR,
    }
    return page_once_sure(**{**given, **options})


def test_once_sure_of_a_cause_another_team_owns_that_team_is_paged_too():
    page = sure()

    assert (page.service, page.team, page.severity) == ("pay", "payments", Severity.ERROR)
    assert page.dedup_key == dedup_key("abc-1", "pay")
    assert "sure once" in page.reason


def test_a_cause_the_ranking_before_did_not_name_first_pages_nobody_yet():
    assert sure(before=None) is None
    assert sure(before="shop") is None


def test_an_incident_that_paged_nobody_pages_the_cause_once_sure():
    assert sure(paged_team=None).team == "payments"


def test_nobody_more_is_paged_while_unsure_or_when_the_cause_is_the_alerted_services_team():
    assert sure(confident=False) is None
    assert sure(None) is None
    assert sure("shop") is None  # the alerted service itself
    assert sure("web", paged_team="frontend") is None  # its owners were paged already
    assert sure("db") is None  # nobody owns it


def test_an_incident_that_paged_a_causes_owners_already_pages_no_other_team():
    # It paged payments about pay, sure then; a ranking sure of web later pages nobody.
    assert sure("web", paged_team="payments") is None


def test_a_cause_whose_owners_cannot_be_paged_pages_nobody():
    catalog = Catalog(
        owners={**CATALOG.owners, "pay": "unpaged"},
        teams={**CATALOG.teams, "unpaged": Team("unpaged", "#unpaged")},
    )
    assert sure(catalog=catalog) is None


def test_nobody_more_is_paged_when_paging_is_off():
    assert sure(mode=PagingMode.OFF) is None
    assert sure(mode=PagingMode.DRY_RUN).team == "payments"


def test_an_alert_firing_again_soon_after_its_incident_resolved_continues_its_fault():
    episodes = [Episode(T0, T0 + 600), Episode(T0 + 900, T0 + 1_200)]

    assert fault_start(episodes, T0 + 1_200 + REFIRE_S) == T0  # back through both
    refired = T0 + 1_200 + REFIRE_S
    assert fault_start([*episodes, Episode(refired, None)], refired) == T0  # itself recorded


def test_an_alert_firing_long_after_or_beside_an_open_incident_starts_its_own():
    assert fault_start([Episode(T0, T0 + 600)], T0 + 601 + REFIRE_S) == T0 + 601 + REFIRE_S
    assert fault_start([Episode(T0, None)], T0 + 60) == T0 + 60  # that one never resolved
    later = [Episode(T0, T0 + 600), Episode(T0 + 900, T0 + 1_000)]
    assert fault_start(later, T0 + 300) == T0 + 300  # only those before it count
    assert fault_start([], T0) == T0


def joined(symptom, joined_symptom="shop", joined_cause=None, **options):
    given = {
        "incident": "abc-1",
        "symptom": symptom,
        "joined_symptom": joined_symptom,
        "joined_cause": joined_cause,
        "graph": GRAPH,
        "catalog": CATALOG,
        "mode": PagingMode.ON,
        "severity": Severity.WARNING,
    }
    return page_joined(**{**given, **options})


def test_a_group_below_the_incident_s_alerted_service_pages_its_owner():
    # shop's incident paged commerce, unsure; pay's own alert then says where it may lie.
    page = joined("pay")

    assert page is not None
    assert (page.service, page.team, page.severity) == ("pay", "payments", Severity.WARNING)
    assert page.dedup_key == dedup_key("abc-1", "pay")
    assert "not downstream" in page.reason


def test_a_group_calling_the_incident_s_service_or_cause_pages_nobody():
    assert joined("web") is None  # web calls shop: shop's failure travels up to it
    assert joined("shop") is None  # the incident's own service
    assert joined("web", joined_symptom="db", joined_cause="pay") is None
    assert joined("shop", joined_symptom="admin", joined_cause="pay") is None  # shop calls pay


def test_a_group_below_the_incident_s_likely_cause_pages_its_owner():
    assert joined("pay", joined_symptom="web", joined_cause="shop").team == "payments"


def test_a_group_not_below_the_incident_s_service_joined_in_a_storm_pages_nobody():
    assert joined("admin", joined_symptom="web") is None  # beside: both call shop
    assert joined("pay", joined_symptom=None) is None


def test_a_joined_group_pages_nobody_when_off_unowned_or_off_the_map():
    assert joined("pay", mode=PagingMode.OFF) is None
    assert joined("db") is None  # db has no owner
    assert joined("queue") is None  # not on the map
    assert joined(None) is None
    assert joined("pay", graph=None) is None


def test_a_group_unsure_of_its_cause_joins_the_incident_below_it_that_paged():
    # shop's incident paged commerce; web's alert, unsure, is shop's fault seen from above.
    paged = [
        PagedIncident(1, None, "commerce", T0, symptom="shop"),
        PagedIncident(2, "db", "payments", T0 + 60, symptom="pay"),
    ]

    assert paged_already(None, "frontend", paged, explained_by=downstream(GRAPH, "web")) == 2
    assert paged_already("web", "frontend", paged[:1], explained_by=frozenset({"web", "shop"})) == 1
    assert (
        paged_already(None, "frontend", paged, explained_by=downstream(GRAPH, "db")) == 2
    )  # cause
    assert paged_already(None, "frontend", paged, explained_by=frozenset()) is None  # sure
    assert paged_already(None, "payments", paged[:1], explained_by=downstream(GRAPH, "pay")) is None


def test_downstream_is_the_service_and_all_it_calls():
    assert downstream(GRAPH, "shop") == {"shop", "pay", "db"}
    assert downstream(GRAPH, "db") == {"db"}
    assert downstream(GRAPH, "queue") == frozenset()
    assert downstream(None, "shop") == frozenset()
