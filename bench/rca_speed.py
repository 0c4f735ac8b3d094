"""Root-cause ranking on a large map: 5,000 services, each with an hour of series.

    .venv/bin/python -m bench.rca_speed [--services N] [--repeat R]

Times `rank` from an already parsed snapshot, the symptom at the root so that every
service is a candidate; a few services deep in the map are slowed down. Every service
has health series, log series (levels and templates) and metric series, and every
edge its series with the time between its sides; `--traces-only` leaves out the logs
and metrics. Reports the graph build (`ServiceGraph.build`) and the whole ranking.
Target: ranking < 200 ms. The ranking's CPU time is printed too: on a busy machine it
says what the wall time cannot. The first ranking loads numpy (for the screens of a
large map's log and metric series), as a command's one ranking does.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from bench.summary import figure
from topology.rca import rank
from topology.rca.ranking import snapshot_graph
from topology.rca.snapshot import (
    Series,
    Snapshot,
    SnapshotEdge,
    SnapshotService,
    Symptom,
    Window,
)

STEPS = 72
BASELINE = 60
METRICS = ("requests", "availability_pct", "latency_avg_ms", "latency_p90_ms")
LOG_KEYS = (
    "level:INFO",
    "level:WARN",
    "level:ERROR",
    "template:GET <*> served",
    "template:cache miss <*>",
)
RESOURCE_METRICS = (
    "k8s.pod.cpu_limit_utilization",
    "k8s.pod.memory_limit_utilization",
    "k8s.pod.network.receive.rate",
)


def build(services: int, rng: random.Random, *, signals: bool = True) -> Snapshot:
    """A map where each service is called by up to two services numbered before it."""
    names = [f"svc-{i:05d}" for i in range(services)]
    edges = [
        SnapshotEdge(names[parent], names[child])
        for child in range(1, services)
        for parent in rng.sample(range(child), min(child, 2))
    ]
    slow = set(rng.sample(names[services // 2 :], 5))
    t = tuple(float(i * 60) for i in range(STEPS))
    series = {}
    for name in names:
        values = {key: [rng.gauss(50, 3) for _ in t] for key in METRICS}
        if name in slow:
            values["latency_p90_ms"][BASELINE:] = [900.0] * (STEPS - BASELINE)
        series[name] = Series(t, {key: tuple(v) for key, v in values.items()})
    edge_series = {
        f"{e.parent}->{e.child}": Series(
            t,
            {
                "requests": tuple(rng.gauss(100, 10) for _ in t),
                "latency_avg_ms": tuple(rng.gauss(50, 3) for _ in t),
                "network_ms": tuple(rng.gauss(3, 0.3) for _ in t),
            },
        )
        for e in edges
    }
    logs, metrics = {}, {}
    if signals:
        for name in names:
            logs[name] = Series(
                t, {key: tuple(float(rng.randint(0, 20)) for _ in t) for key in LOG_KEYS}
            )
            metrics[name] = Series(
                t, {key: tuple(rng.gauss(0.4, 0.02) for _ in t) for key in RESOURCE_METRICS}
            )
        for name in slow:
            cpu = list(metrics[name].metrics[RESOURCE_METRICS[0]])
            cpu[BASELINE:] = [0.95] * (STEPS - BASELINE)
            metrics[name] = Series(t, {**metrics[name].metrics, RESOURCE_METRICS[0]: tuple(cpu)})
    return Snapshot(
        baseline=Window(0, (BASELINE - 1) * 60),
        incident=Window(BASELINE * 60, (STEPS - 1) * 60),
        services=tuple(SnapshotService(name) for name in names),
        edges=tuple(edges),
        series=series,
        symptom=Symptom(names[0], "latency"),
        edge_series=edge_series,
        logs=logs,
        metrics=metrics,
    )


def main() -> None:
    """Build the snapshot, then time graph building and ranking."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--traces-only", action="store_true", help="no log or metric series")
    args = parser.parse_args()
    snapshot = build(args.services, random.Random(7), signals=not args.traces_only)
    graphs, rankings, cpu = [], [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        snapshot_graph(snapshot)
        graphs.append(time.perf_counter() - start)
        start, used = time.perf_counter(), time.process_time()
        ranking = rank(snapshot, "svc-00000")
        rankings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - used)
    print(
        f"{args.services} services, {ranking.examined} candidates, {len(ranking.candidates)} ranked"
        f", {len(snapshot.edge_series)} edge series, logs and metrics: {not args.traces_only}"
    )
    print(f"graph build  median {statistics.median(graphs) * 1000:7.1f} ms")
    print(f"rank (total) median {statistics.median(rankings) * 1000:7.1f} ms  (target < 200 ms)")
    print(f"rank CPU     median {statistics.median(cpu) * 1000:7.1f} ms  (wall time less waiting)")
    figure("rca: rank median", statistics.median(rankings) * 1000, "ms", "<=", 200)


if __name__ == "__main__":
    main()
