"""The size of the snapshot saved with an incident on a large map: 10,000 services.

    .venv/bin/python -m bench.snapshot_size [--services N] [--symptom SVC ...] [--cap N]
        [--size BYTES] [--whole]

Builds the map `bench.rca_speed` ranks (each service called by up to two services
numbered before it, an hour of health, log and metric series for every service and
edge, five services deep in the map slowed down), then for each symptom (default: the
service at the top of the map, whose downstream is the whole map, the worst case; and
the one in the middle) times cutting the snapshot to the symptom's neighbourhood
(`around_symptom`, the default cap and size) and writing it as JSON, as an incident
saves it, in wall and CPU time. Checks that ranking from the written snapshot, read
back, equals ranking the whole one. `--whole` writes the whole map too, for comparison.
Target: the written snapshot <= 5 MB for every symptom.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace

from bench.rca_speed import build
from bench.summary import figure
from topology.rca import load_snapshot, rank
from topology.rca.dump import dump_snapshot
from topology.rca.scope import SNAPSHOT_BYTES, SNAPSHOT_SERVICES, around_symptom
from topology.rca.snapshot import Snapshot, Symptom

TARGET_BYTES = 5_000_000


def main() -> None:
    """Build the map, then cut, write and check each symptom's snapshot."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument(
        "--symptom", nargs="+", help="default: the service at the top, and the one in the middle"
    )
    parser.add_argument("--cap", type=int, default=SNAPSHOT_SERVICES)
    parser.add_argument("--size", type=int, default=SNAPSHOT_BYTES, help="bytes")
    parser.add_argument("--whole", action="store_true", help="write the whole map too")
    args = parser.parse_args()
    whole = build(args.services, random.Random(7))
    names = [whole.services[0].name, whole.services[args.services // 2].name]
    largest = 0
    for symptom in args.symptom or names:
        with_symptom = replace(whole, symptom=Symptom(symptom, "latency"))
        largest = max(largest, _measure(with_symptom, symptom, args))
    missed = "" if largest <= TARGET_BYTES else "  TARGET MISSED"
    print(f"largest snapshot {largest / 1e6:7.2f} MB  (target <= 5 MB){missed}")
    figure("snapshot: size", largest / 1e6, "MB", "<=", TARGET_BYTES / 1e6)
    if args.whole:
        start = time.perf_counter()
        size = len(dump_snapshot(whole))
        print(f"whole map {size / 1e6:7.2f} MB, written in {time.perf_counter() - start:.1f} s")


def _measure(whole: Snapshot, symptom: str, args: argparse.Namespace) -> int:
    """Cut, write and check the snapshot of `whole` for `symptom`; its size in bytes."""
    start, cpu = time.perf_counter(), time.process_time()
    cut = around_symptom(whole, cap=args.cap, size=args.size)
    data = dump_snapshot(cut)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    ranked = rank(whole, symptom)
    same = rank(load_snapshot(data, source="written"), symptom) == ranked
    print(
        f"{args.services} services, symptom {symptom}: {len(cut.series)} services' series,"
        f" {len(cut.services)} services and {len(cut.edges)} edges on the map,"
        f" {len(cut.edge_series)} edges' series; omitted {dict(cut.omitted)}"
    )
    print(
        f"  snapshot {len(data) / 1e6:7.2f} MB; cut and write {took * 1000:7.1f} ms"
        f" (CPU {cpu * 1000:.1f} ms); {ranked.examined} candidates,"
        f" {len(ranked.candidates)} ranked"
    )
    print(f"  ranking from the written snapshot equals the whole map's: {same}")
    return len(data)


if __name__ == "__main__":
    main()
