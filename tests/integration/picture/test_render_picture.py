import dataclasses
import re
import xml.etree.ElementTree as ET

import pytest

from bot.render.picture import render
from topology.errors import RenderError, SvcmapError
from topology.graph import ServiceGraph
from topology.model import NodeKind
from topology.ownership import Catalog
from topology.picture import Picture, build_dot, select
from topology.stats import EdgeStats, Node

HOSTILE = (
    'a"b',
    "x\\ny",
    "x\ny",
    "trailing\\",
    "</table>",
    "<!channel>",
    "}; digraph evil {",
    '"]; n0 -> n1; x ["',
    "<script>alert(1)</script>",
    "&lt;script&gt;",
    "a|b{c}<d>",
    "caf\u00e9 \u6771\u4eac \U0001f680",
    "\u202eevil\x00",
    "long-" + "x" * 20_000,
)
KINDS = (NodeKind.SERVICE, NodeKind.DATABASE, NodeKind.QUEUE, NodeKind.EXTERNAL)
SVG = "{http://www.w3.org/2000/svg}"


def fleet(size, *, fan=2):
    """`web` over a tree of `size` - 1 callees, the hostile names among them."""
    names = ["web", *HOSTILE, *(f"svc-{i:04d}" for i in range(size - 1 - len(HOSTILE)))]
    edges = []
    for number, name in enumerate(names[1:], start=1):
        stats = EdgeStats(names[(number - 1) // fan], name, calls=1_000 - number, errors=number % 7)
        stats.child_kind = KINDS[number % 4]
        stats.latency.add(number)
        edges.append(stats)
    extra = [
        EdgeStats(names[i], names[(i * 7 + 3) % size], calls=5)
        for i in range(1, size)
        if (i * 7 + 3) % size > i
    ]
    instrumented = [Node(name) for name in names[: size // 2]]
    return ServiceGraph.build([*edges, *extra], instrumented)


def picture_of(graph, *, node_budget=60, edge_budget=120):
    return build_dot(
        select(graph, "web", node_budget=node_budget, edge_budget=edge_budget),
        focus="web",
        catalog=Catalog(owners={name: f"team {len(name) % 5}" for name in graph.names()}),
        alerting={"<script>alert(1)</script>"},
        window_seconds=300,
        title="deps of web </svg><script>",
    )


@pytest.fixture(scope="module")
def picture():
    return picture_of(fleet(60))


def test_a_60_node_picture_renders_to_png(picture):
    png = render(picture, fmt="png")

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert picture.engine == "dot"
    assert picture.nodes == 60


def test_the_svg_shows_every_hostile_name_escaped_and_never_as_markup(picture):
    svg = render(picture, fmt="svg").decode("utf-8")

    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "&lt;!channel&gt;" in svg
    assert "}; digraph evil {" in svg
    assert "a|b{c}&lt;d&gt;" in svg
    assert "caf\u00e9 \u6771\u4eac \U0001f680" in svg
    assert "&amp;lt;script&amp;gt;" in svg
    root = ET.fromstring(svg)  # noqa: S314 - our own Graphviz output, parsed to check shape
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    titles = {g.find(f"{SVG}title").text for g in groups}
    assert {f"n{i}" for i in range(60)} <= titles
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert 'a"b' in texts
    assert "trailing\\" in texts


def test_a_layout_past_its_time_raises_a_render_error():
    big = picture_of(fleet(600, fan=3), node_budget=600, edge_budget=1_200)

    with pytest.raises(RenderError, match="took longer than"):
        render(big, fmt="svg", timeout_s=0.01)


def test_an_unknown_layout_program_raises_a_render_error(picture):
    with pytest.raises(RenderError, match="unknown Graphviz layout program"):
        render(dataclasses.replace(picture, engine="no-such-graphviz"))


def test_a_missing_graphviz_raises_a_render_error(picture, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(RenderError, match="not found on PATH"):
        render(picture)


def test_graphviz_refusing_the_text_raises_a_render_error():
    broken = Picture("digraph { n0 -> ", "dot", select(fleet(20), "web").omitted, 0, 0)

    with pytest.raises(SvcmapError, match="failed with exit status"):
        render(broken, fmt="svg")


def test_a_large_request_collapses_to_the_budget_and_still_renders_quickly():
    collapsed = picture_of(fleet(2_000, fan=4))

    svg = render(collapsed, fmt="svg", timeout_s=10.0)

    assert collapsed.nodes == 60
    assert collapsed.omitted.nodes == 1_940
    assert b"Not drawn: 1,940 nodes" in svg


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header chunk."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_a_png_is_painted_at_72_dpi_and_at_most_2880_pixels_a_side(picture):
    svg = render(picture, fmt="svg").decode()
    svg_width = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    tall = Picture(
        "digraph { rankdir=LR; "
        + " ".join(f'n{i} [label="{"x" * 40}"];' for i in range(400))
        + " }",
        "dot",
        picture.omitted,
        400,
        0,
    )

    width, _height = _png_size(render(picture, fmt="png"))
    tall_size = _png_size(render(tall, fmt="png", timeout_s=20.0))

    assert abs(width - svg_width) <= 0.02 * svg_width + 2
    assert max(tall_size) <= 2_880
