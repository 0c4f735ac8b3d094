import re
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from topology.glance import glance
from topology.graph import ServiceGraph
from topology.picture.summary_dot import build_summary_dot, group_name
from topology.picture.teams import summarise
from topology.stats import Node

from .dotparse import QUOTED, skeleton, unescape
from .factories import INJECTIONS, edge


def shop():
    """web calls cart and pay (pay failing), cart calls db; teams front, shop, data."""
    edges = [
        edge("web", "cart", 100),
        edge("web", "pay", 50, errors=10),
        edge("cart", "db", 80),
        edge("cart", "cart-cache", 30),
        edge("ads", "web", 5),
    ]
    nodes = [Node(name) for name in ("web", "ads", "cart", "cart-cache", "pay", "db")]
    graph = ServiceGraph.build(edges, nodes)
    teams = {"web": "front", "ads": "front", "cart": "shop", "cart-cache": "shop", "pay": "shop"}
    return graph, teams


def summary_of(graph, teams, **options):
    health = glance(graph, None, graph.names())
    return summarise(graph, graph.names(), teams.get, health, **options)


def test_each_team_is_one_node_with_its_services_counted_and_no_team_is_one_too():
    graph, teams = shop()
    found = summary_of(graph, teams)

    assert found.services == ()
    assert {g.team: g.services for g in found.groups} == {"front": 2, "shop": 3, "": 1}
    assert found.teams == 3
    assert found.teams_left_out == found.services_left_out == found.links_left_out == 0


def test_lines_between_teams_sum_their_calls_and_calls_inside_a_team_are_left_out():
    graph, teams = shop()
    links = {(link.parent[1], link.child[1]): link for link in summary_of(graph, teams).links}

    assert set(links) == {("front", "shop"), ("shop", ""), ("front", "front")} - {
        ("front", "front")
    }
    assert (links[("front", "shop")].calls, links[("front", "shop")].errors) == (150, 10)
    assert links[("front", "shop")].edges == 2
    assert links[("shop", "")].calls == 80


def test_a_team_counts_its_failing_services_and_the_calls_into_them():
    graph, teams = shop()
    shop_group = next(g for g in summary_of(graph, teams).groups if g.team == "shop")

    assert shop_group.failing == 1
    assert shop_group.calls == 100 + 50 + 30
    assert shop_group.errors == 10
    assert shop_group.unhealthy == 1


def test_unhealthy_teams_come_first_then_the_busiest_and_the_budget_leaves_the_rest_out():
    graph, teams = shop()
    found = summary_of(graph, teams, group_budget=2)

    assert [g.team for g in found.groups] == ["shop", "front"]
    assert (found.teams_left_out, found.services_left_out) == (1, 1)
    assert all("" not in (link.parent[1], link.child[1]) for link in found.links)
    assert found.links_left_out == 1


def test_an_opened_team_is_drawn_as_its_services_with_their_own_edges():
    graph, teams = shop()
    found = summary_of(graph, teams, opened="shop")

    assert found.opened == "shop"
    assert {node.name for node in found.services} == {"cart", "cart-cache", "pay"}
    assert "shop" not in {g.team for g in found.groups}
    inside = [link for link in found.links if link.parent == ("service", "cart")]
    assert {link.child for link in inside} == {("service", "cart-cache"), ("team", "")}
    own = next(link for link in inside if link.child == ("service", "cart-cache"))
    assert own.stats is not None
    assert own.stats.calls == 30
    into_pay = next(link for link in found.links if link.child == ("service", "pay"))
    assert (into_pay.parent, into_pay.calls, into_pay.errors) == (("team", "front"), 50, 10)


def test_an_opened_team_past_the_budget_keeps_its_quieter_services_as_one_node():
    graph, teams = shop()
    found = summary_of(graph, teams, opened="shop", service_budget=1)

    assert [node.name for node in found.services] == ["cart"]
    rest = next(g for g in found.groups if g.rest)
    assert (rest.team, rest.services) == ("shop", 2)
    assert found.groups[0] is rest
    assert group_name(rest) == "shop (the rest)"


def test_a_line_budget_ties_every_drawn_node_to_a_line_before_the_busiest_others():
    fan = [edge("hub", f"s{i}", (i + 1) * 10) for i in range(6)]
    ring = [edge("s3", "s4", 500), edge("s4", "s5", 400), edge("s5", "s3", 300)]
    graph = ServiceGraph.build(fan + ring)
    teams = dict.fromkeys(graph.names(), "b") | {"hub": "a"}
    found = summary_of(graph, teams, opened="b", link_budget=6)

    ends = {end for link in found.links for end in (link.parent, link.child)}
    drawn = {("service", node.name) for node in found.services} | {g.unit for g in found.groups}
    assert ends == drawn
    assert len(found.links) == 6
    assert found.links_left_out == 3


def test_opening_a_team_not_on_the_map_opens_none():
    graph, teams = shop()
    found = summary_of(graph, teams, opened="nobody")

    assert found.opened is None
    assert found.services == ()


def test_the_services_of_no_team_can_be_opened():
    graph, teams = shop()
    found = summary_of(graph, teams, opened="")

    assert found.opened == ""
    assert [node.name for node in found.services] == ["db"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 11), st.integers(0, 11), st.integers(1, 50)),
        min_size=1,
        max_size=40,
    ),
    st.integers(0, 3),
)
def test_every_call_between_units_is_counted_once_whatever_the_teams(calls, opened):
    edges = [edge(f"s{a}", f"s{b}", n) for a, b, n in calls]
    graph = ServiceGraph.build(edges)
    teams = {name: f"t{int(name[1:]) % 4}" for name in graph.names() if int(name[1:]) % 5}
    found = summary_of(graph, teams, opened=f"t{opened}", group_budget=99, link_budget=999)

    team_of = {name: teams.get(name, "") for name in graph.names()}
    drawn = {node.name for node in found.services}

    def unit(name):
        return ("service", name) if name in drawn else ("team", team_of[name])

    expected: dict[tuple[tuple[str, str], tuple[str, str]], int] = {}
    for stats in graph.edges():
        key = (unit(stats.parent), unit(stats.child))
        if key[0] == key[1] and key[0][0] == "team":
            continue
        expected[key] = expected.get(key, 0) + stats.calls
    assert {(link.parent, link.child): link.calls for link in found.links} == expected
    assert sum(g.services for g in found.groups) + len(drawn) == len(graph)


def test_hostile_team_and_service_names_stay_inside_quoted_labels():
    edges = [edge("web", name, i + 1) for i, name in enumerate(INJECTIONS)]
    graph = ServiceGraph.build(edges, [Node("web"), *(Node(name) for name in INJECTIONS)])
    teams = {name: name for name in INJECTIONS} | {"web": 'x"]; evil -> n0; ["'}
    found = summary_of(graph, teams, opened=INJECTIONS[0])
    dot = build_summary_dot(found, alerting=set(), window_seconds=60, title="t").picture.dot

    plain_graph = ServiceGraph.build(
        [edge("web", f"s{i}", i + 1) for i in range(len(INJECTIONS))],
        [Node("web"), *(Node(f"s{i}") for i in range(len(INJECTIONS)))],
    )
    plain_teams = {f"s{i}": f"t{i}" for i in range(len(INJECTIONS))} | {"web": "w"}
    plain = summary_of(plain_graph, plain_teams, opened="t0")
    plain_dot = build_summary_dot(plain, alerting=set(), window_seconds=60, title="t").picture.dot
    assert shape(dot) == shape(plain_dot)
    labels = [unescape(text) for text in QUOTED.findall(dot)]
    assert any(label.startswith('x"]; evil -> n0; ["') for label in labels)


def shape(dot):
    """The DOT's statements with every quoted string emptied and every node ID alike."""
    return Counter(re.sub(r"\b[gn]\d+\b", "ID", line) for line in skeleton(dot).splitlines())


def test_the_same_teams_and_calls_are_written_alike_whatever_their_numbers():
    graph, teams = shop()
    # The database's calls now outrank the front team's.
    busier = ServiceGraph.build(
        [
            edge(e.parent, e.child, e.calls * (100 if e.child == "db" else 1), errors=e.errors)
            for e in graph.edges()
        ],
        [Node(name) for name in graph.names()],
    )
    dots = [
        build_summary_dot(summary_of(g, teams), alerting=set(), window_seconds=60, title="t")
        for g in (graph, busier)
    ]

    def laid_out(dot):  # what places the nodes: the statements, not the lines' widths
        return re.sub(r"penwidth=[\d.]+", "", skeleton(dot))

    assert laid_out(dots[0].picture.dot) == laid_out(dots[1].picture.dot)
    ranked = [[g.team for g in summary_of(g, teams).groups] for g in (graph, busier)]
    assert ranked == [["shop", "front", ""], ["shop", "", "front"]]
    assert [g.team for g in dots[0].groups] == [g.team for g in dots[1].groups]


def test_the_summary_picture_names_teams_by_g_ids_and_services_by_n_ids():
    graph, teams = shop()
    found = summary_of(graph, teams, opened="shop")
    drawn = build_summary_dot(found, alerting={"pay"}, window_seconds=None, title="teams")

    assert drawn.picture.names == tuple(sorted(node.name for node in found.services))
    assert [group.team for group in drawn.groups] == sorted(group.team for group in found.groups)
    for number, group in enumerate(drawn.groups):
        assert f"g{number} [label=" in drawn.picture.dot
        assert group_name(group) in drawn.picture.dot
    pay = drawn.picture.names.index("pay")
    line = next(text for text in drawn.picture.dot.splitlines() if text.startswith(f"  n{pay} ["))
    assert "#ffd6d6" in line
