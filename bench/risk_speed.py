"""`risk` on a large map: 5,000 services and 50,000 edges, the map of bench.query_speed.

    .venv/bin/python -m bench.risk_speed [--services N] [--edges M] [--runs R] [--db PATH]

A child process builds the store (as bench.query_speed does, in its own file); this one
times, on a freshly built graph each run (no solver kept from an earlier run):
- `weak_points`, the pure question on a loaded map (target <= 2 s), at the default share
  (0.5: no node of this map reaches it, so the bounds alone answer) and at 0.02 (dozens
  of nodes to check, one blast each, cycle solvers made on first need as in the CLI);
- the whole question as `svcmap risk` asks it of the store: the map, the served
  requests, the maps of the last day and the week before for new edges, and the
  burn-rate windows (reported, same target).
Figures are medians over the runs: the machine may be shared, so they vary.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.query_speed import NOW_S, ROOT, rss_mb, verdict
from bench.summary import figure
from bot.adapters.store import Store, make_engine
from bot.bootstrap import ask_desk, build_app
from bot.commands import add_questions
from bot.questions import question_of
from bot.settings import load_settings
from bot.usecases.asking import ask
from bot.usecases.map_questions import load_graph
from bot.usecases.windows import Window
from topology.graph import ServiceGraph
from topology.ownership import Catalog, Team
from topology.queries.risk import RiskLimits, weak_points

DEFAULT_DB = Path("/tmp/svcmap-bench/risk.db")  # noqa: S108 - a scratch file
TARGET_S = 2.0
SHARES = (0.5, 0.02)


def main() -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=5_000)
    parser.add_argument("--edges", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    build = [sys.executable, "-m", "bench.query_speed", "--build-only"]
    build += ["--services", str(args.services), "--edges", str(args.edges), "--db", str(args.db)]
    subprocess.run(build, check=True, cwd=ROOT)

    store = Store(make_engine(f"sqlite:///{args.db}"))
    loaded = load_graph(store, Window())
    edges, nodes = list(loaded.edges()), [loaded.node(name) for name in loaded.names()]
    served = {stats.service: stats.requests for stats in store.services()}
    names = list(loaded.names())
    catalog = Catalog(
        {name: f"team-{i % 97}" for i, name in enumerate(names) if i % 5},
        {f"team-{t}": Team(f"team-{t}", f"#team-{t}") for t in range(97)},
    )
    for share in SHARES:
        pure = []
        answer = None
        for _run in range(args.runs):
            graph = ServiceGraph.build(edges, nodes, served)
            limits = RiskLimits(min_share=share, hotspot_share=min(share, 0.1))
            started = time.perf_counter()
            answer = weak_points(graph, catalog, served, limits=limits)
            pure.append(time.perf_counter() - started)
        if answer is None:
            return 1
        print(
            f"share {share:.0%}: {len(loaded):,} nodes, {len(edges):,} edges, "
            f"{answer.entries:,} entries; {len(answer.single_points)} single points shown, "
            f"{answer.more_single_points} more, {answer.unchecked} unchecked, "
            f"{len(answer.hotspots)} hotspots"
        )
        median = statistics.median(pure)
        print(
            f"risk (weak_points, share {share:.0%}): median {median:.2f} s, max {max(pure):.2f} s"
            f" over {args.runs} runs (target <= {TARGET_S:.0f} s){verdict(median, TARGET_S)}"
        )
        figure(f"risk: weak_points at {share:.0%}, 5,000 services", median, "s", "<=", TARGET_S)
    whole = [_whole_question(args.db) for _run in range(args.runs)]
    whole_median = statistics.median(whole)
    print(
        f"risk (whole question from the store, in process): median {whole_median:.2f} s, "
        f"max {max(whole):.2f} s over {args.runs} runs (target <= {TARGET_S:.0f} s)"
        f"{verdict(whole_median, TARGET_S)}; RSS {rss_mb():,.0f} MB"
    )
    figure("risk: whole question from the store", whole_median, "s", "<=", TARGET_S)
    return 0


def _whole_question(db: Path) -> float:
    """Seconds `svcmap risk --at NOW` takes in process, from opening the store to its answer."""
    parser = argparse.ArgumentParser()
    add_questions(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["risk", "--at", str(NOW_S)])
    with build_app(load_settings(database_url=f"sqlite:///{db}")) as app:
        started = time.perf_counter()
        ask(ask_desk(app), question_of(args))
        return time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())
