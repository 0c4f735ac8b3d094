import re

from topology.graph import ServiceGraph
from topology.model import NodeKind
from topology.ownership import Catalog
from topology.picture import build_dot, select
from topology.picture.style import ALERT_LINE, DEGRADED, FAILING, FOCUS_FILL, HEALTHY
from topology.stats import Node

from .dotparse import QUOTED, node_by_label, nodes, skeleton, unescape
from .factories import INJECTIONS, chain, edge, injected, star

NOBODY = Catalog()


def draw(graph, focus, *, catalog=NOBODY, alerting=frozenset(), window=60, **budgets):
    return build_dot(
        select(graph, focus, **budgets),
        focus=focus,
        catalog=catalog,
        alerting=set(alerting),
        window_seconds=window,
        title=f"deps of {focus}",
    )


def test_injected_names_leave_the_dot_syntax_as_it_is_for_plain_names():
    plain = ServiceGraph.build(
        [edge("web", f"plain{i}", calls=i + 1) for i in range(len(INJECTIONS))],
        [Node("web"), *(Node(f"plain{i}") for i in range(len(INJECTIONS)))],
    )

    assert skeleton(draw(injected(), "web").dot) == skeleton(draw(plain, "web").dot)


def test_injected_names_show_as_labels_of_numbered_nodes():
    dot = draw(injected(), "web").dot

    assert set(nodes(dot)) == {f"n{i}" for i in range(len(INJECTIONS) + 1)}
    for name in ('a"b', "}; digraph evil {", "<script>alert(1)</script>", "\\N\\G\\L"):
        node_by_label(dot, name)
    shown_as_backslash_n = [a for a in nodes(dot).values() if unescape(a["label"]) == "x\\ny"]
    assert len(shown_as_backslash_n) == 2  # a real newline is shown, not obeyed
    assert "<script" not in dot.replace("\\<script", "")
    assert all("\n" not in quoted for quoted in QUOTED.findall(dot))


def test_a_long_name_is_cut_in_the_label_and_kept_longer_in_the_tooltip():
    long = next(name for name in INJECTIONS if len(name) > 1_000)
    dot = draw(injected(), "web").dot

    attributes = node_by_label(dot, long[:47] + "\u2026")
    assert len(unescape(attributes["tooltip"])) == 512


def test_shapes_follow_the_kind_and_virtual_nodes_are_dashed():
    graph = ServiceGraph.build(
        [
            edge("api", "orders-db", kind=NodeKind.DATABASE),
            edge("api", "events", kind=NodeKind.QUEUE),
            edge("api", "stripe", kind=NodeKind.EXTERNAL),
            edge("api", "legacy"),
        ],
        [Node("api")],
    )
    dot = draw(graph, "api").dot

    assert node_by_label(dot, "api")["shape"] == "box"
    assert node_by_label(dot, "orders-db")["shape"] == "cylinder"
    assert node_by_label(dot, "events")["shape"] == "cds"
    assert node_by_label(dot, "stripe")["shape"] == "hexagon"
    assert "dashed" in node_by_label(dot, "legacy")["style"]
    assert "dashed" not in node_by_label(dot, "api")["style"]


def test_the_focus_is_highlighted():
    dot = draw(chain("a", "b", "c"), "b").dot

    focus = node_by_label(dot, "b")
    assert "bold" in focus["style"]
    assert focus["penwidth"] == "3.0"
    assert focus["fillcolor"] == f'"{FOCUS_FILL}"'
    assert "penwidth" not in node_by_label(dot, "a")


def test_alerting_nodes_are_red():
    dot = draw(chain("a", "b"), "a", alerting={"b"}).dot

    assert node_by_label(dot, "b")["color"] == f'"{ALERT_LINE}"'
    assert node_by_label(dot, "a")["color"] != f'"{ALERT_LINE}"'


def test_edges_are_coloured_by_error_rate_and_labelled_with_rate_errors_and_p95():
    graph = ServiceGraph.build(
        [edge("f", "ok", 600, 0), edge("f", "meh", 600, 12), edge("f", "bad", 600, 60)],
        [Node(n) for n in ("f", "ok", "meh", "bad")],
    )
    dot = draw(graph, "f", window=60).dot

    labels = re.findall(r'-> n\d+ \[label="([^"]*)", color="([^"]*)"', dot)
    assert sorted(labels) == sorted(
        [
            ("10/s \u00b7 0.0% \u00b7 p95 24 ms", HEALTHY),
            ("10/s \u00b7 2.0% \u00b7 p95 24 ms", DEGRADED),
            ("10/s \u00b7 10.0% \u00b7 p95 24 ms", FAILING),
        ]
    )


def test_without_a_window_edges_show_their_call_counts():
    dot = draw(chain("a", "b", calls=1_234), "a", window=None).dot

    assert 'label="1,234 calls \u00b7 0.0% \u00b7 p95 24 ms"' in dot


def test_teams_become_clusters_labelled_with_the_escaped_team_name():
    catalog = Catalog(owners={"a": 'pay"ments', "b": 'pay"ments', "c": "search"})
    dot = draw(chain("a", "b", "c", "d"), "b", catalog=catalog).dot

    clusters = re.findall(r'subgraph (cluster_\w+) \{\n    label=("(?:[^"\\]|\\.)*");', dot)
    assert clusters == [
        ("cluster_0", r'"pay\"ments"'),
        ("cluster_1", '"search"'),
        ("cluster_legend", '"Legend"'),
    ]
    payments = dot.split("subgraph cluster_0")[1].split("}")[0]
    assert payments.count("[label=") == 2
    assert "d" not in {unescape(a["label"]) for a in nodes(payments).values()}


def test_the_left_out_note_is_the_graph_label():
    dot = draw(star(100), "hub", node_budget=11).dot

    label = re.search(r"label=(\"[^\n]*\")\];", dot)
    assert label
    assert unescape(label.group(1)) == (
        "deps of hub\\nNot drawn: 90 nodes and 90 edges; "
        "busiest left out: s089, s088, s087, s086, s085, \u2026"
    )


def test_a_legend_shows_only_what_the_picture_holds():
    dot = draw(chain("a", "b"), "a").dot

    legend = dot.split("subgraph cluster_legend")[1]
    assert 'label="service"' in legend
    assert "database" not in legend
    assert "alerting" not in legend


def test_the_layout_program_is_chosen_by_size():
    small = draw(star(78), "hub", node_budget=200)
    large = draw(star(79), "hub", node_budget=200, edge_budget=200)

    assert (small.engine, small.nodes) == ("dot", 79)
    assert (large.engine, large.nodes) == ("sfdp", 80)
    assert 'overlap="false"' in large.dot
    assert 'rankdir="LR"' in small.dot


def test_the_picture_carries_what_was_left_out():
    picture = draw(star(10), "hub", node_budget=4)

    assert picture.omitted.nodes == 7
    assert (picture.nodes, picture.edges) == (4, 3)
