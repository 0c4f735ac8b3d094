"""Picture speed on a large map: select, build DOT and render PNG out of 5,000 services.

    .venv/bin/python -m bench.render_speed [--services N] [--edges M] [--runs R]

The map is the one `bench.query_speed` draws (built in memory here, no store). Times
select + build_dot + Graphviz to PNG, end to end, for a focus's neighbourhood within the
default budget (target < 1.5 s), and for over-budget requests (a front service's whole
reach, thousands of nodes) that the budget collapses, so they stay as fast. Graphviz `dot`
takes minutes on 1,000 nodes, which is why the uncollapsed requests are not drawn here.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Sequence

from bench.query_speed import PEERS, peer_names, random_edges, verdict
from bench.summary import figure
from bot.render.picture import render
from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.picture import Picture, build_dot, select
from topology.stats import EdgeStats, Node

TARGET_S = 1.5
WINDOW_S = 300


def fleet(services: int, edges: int) -> ServiceGraph:
    """A random map shaped like a large fleet, with calls and errors on every edge."""
    rng = random.Random(7)
    own = services - sum(PEERS.values())
    names = [f"svc-{i:04d}" for i in range(own)]
    kinds = {}
    for name, kind in peer_names():
        names.append(name)
        kinds[name] = kind
    stats = []
    for parent, child in sorted(random_edges(rng, own, edges)):
        edge = EdgeStats(
            names[parent],
            names[child],
            calls=1 + int(rng.lognormvariate(5, 1.5)),
            child_kind=kinds.get(names[child]),
        )
        edge.errors = int(edge.calls * rng.choice((0, 0, 0, 0.02, 0.1)))
        edge.latency.add(rng.lognormvariate(3, 1))
        stats.append(edge)
    return ServiceGraph.build(stats, [Node(name) for name in names[:own]])


def measure(label: str, draw: Sequence[tuple[str, set[str] | None]], graph: ServiceGraph) -> None:
    """Time select + build + render to PNG for each (focus, interest); print the figures."""
    catalog = Catalog({name: f"team-{i % 47}" for i, name in enumerate(graph.names())})
    totals: list[float] = []
    steps: list[tuple[float, float]] = []
    sizes: list[tuple[int, Picture]] = []
    for focus, interest in draw:
        started = time.perf_counter()
        selection = select(graph, focus, interest=interest)
        picture = build_dot(
            selection,
            focus=focus,
            catalog=catalog,
            alerting={focus},
            window_seconds=WINDOW_S,
            title=f"deps of {focus}",
        )
        built = time.perf_counter()
        render(picture, fmt="png", timeout_s=30.0)
        done = time.perf_counter()
        totals.append(done - started)
        steps.append((built - started, done - built))
        sizes.append((len(interest) if interest is not None else -1, picture))
    asked = [size for size, _ in sizes if size >= 0]
    drawn: list[Picture] = [picture for _, picture in sizes]
    worst = max(totals)
    print(
        f"{label}: {len(draw)} pictures, asked for "
        f"{_range(asked) if asked else 'all connected'} nodes, drew "
        f"{_range([p.nodes for p in drawn])} nodes / {_range([p.edges for p in drawn])} edges "
        f"({', '.join(sorted({p.engine for p in drawn}))}); "
        f"select+build median {statistics.median(s for s, _ in steps) * 1000:.0f} ms, "
        f"render median {statistics.median(r for _, r in steps) * 1000:.0f} ms; "
        f"end to end median {statistics.median(totals):.2f} s, max {worst:.2f} s "
        f"(target <= {TARGET_S} s){verdict(worst, TARGET_S)}"
    )
    figure(f"picture {label}: max", worst, "s", "<=", TARGET_S)


def _range(values: list[int]) -> str:
    return f"{min(values):,}" if min(values) == max(values) else f"{min(values):,}-{max(values):,}"


def neighbourhood(graph: ServiceGraph, name: str, depth: int) -> set[str]:
    """Everything within `depth` calls of `name`, either way."""
    found, frontier = {name}, {name}
    for _ in range(depth):
        frontier = {
            other for n in frontier for other in (*graph.callers(n), *graph.callees(n))
        } - found
        found |= frontier
    return found


def main() -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=5_000)
    parser.add_argument("--edges", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    started = time.perf_counter()
    graph = fleet(args.services, args.edges)
    print(
        f"map: {len(graph):,} nodes, {sum(1 for _ in graph.edges()):,} edges, "
        f"built in {time.perf_counter() - started:.1f} s"
    )
    rng = random.Random(11)
    names = [name for name in graph.names() if name.startswith("svc-")]
    fits: list[tuple[str, set[str] | None]] = []
    while len(fits) < args.runs:
        name = rng.choice(names)
        near = neighbourhood(graph, name, 1)
        if 20 <= len(near) <= 60:
            fits.append((name, near))
    measure("neighbourhood within budget (deps depth 1)", fits, graph)
    wide = [(name, neighbourhood(graph, name, 2)) for name in rng.sample(names, args.runs)]
    measure("over budget: depth 2 neighbourhood, collapsed", wide, graph)
    fronts = [(f"svc-{i * 100:04d}", None) for i in range(args.runs)]
    measure("over budget: everything connected to a front service, collapsed", fronts, graph)
    return 0


if __name__ == "__main__":
    sys.exit(main())
