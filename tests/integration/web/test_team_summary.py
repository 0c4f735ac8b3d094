"""The web view's team summary laid out by Graphviz, and kept with the map it was made of."""

from __future__ import annotations

import shutil

import pytest

from bot.usecases.summary import summed_map
from bot.usecases.windows import Window
from topology.graph import ServiceGraph
from topology.ownership import Catalog, Team
from topology.stats import EdgeStats

pytestmark = pytest.mark.skipif(shutil.which("sfdp") is None, reason="Graphviz is not installed")


def fleet() -> tuple[ServiceGraph, Catalog]:
    edges = [EdgeStats(f"s{i}", f"s{(i * 7 + 3) % 90}", calls=i + 1) for i in range(90)]
    graph = ServiceGraph.build(edges)
    owners = {name: f"t{int(name[1:]) % 9}" for name in graph.names()}
    return graph, Catalog(owners, {f"t{n}": Team(f"t{n}") for n in range(9)})


def ask(graph, catalog, opened=None):
    return summed_map(
        graph,
        list(graph.names()),
        catalog=catalog,
        baseline=None,
        alerting=set(),
        opened=opened,
        window=Window(None, 1_000),
    )


def test_a_summary_is_drawn_as_svg_with_its_teams_and_opened_services():
    graph, catalog = fleet()
    found = ask(graph, catalog, opened="t3")

    assert found.svg.startswith("<?xml")
    assert found.opened == "t3"
    assert found.nodes
    assert all(catalog.owner_name(name) == "t3" for name in found.nodes.values())
    assert {group["team"] for group in found.groups.values()} == {f"t{n}" for n in range(9)} - {
        "t3"
    }
    assert found.svg.count('class="node"') == len(found.nodes) + len(found.groups)


def test_the_same_question_of_the_same_map_is_answered_from_what_was_kept():
    graph, catalog = fleet()
    first = ask(graph, catalog)

    assert ask(graph, catalog) is first
    assert ask(graph, catalog, opened="t1") is not first
    assert ask(graph, catalog) is first
    renamed = Catalog({**catalog.owners, "s0": "t1"}, catalog.teams)
    assert ask(graph, renamed) is not first
    assert ask(ServiceGraph.build(graph.edges()), catalog) is not first
