"""The size of the snapshot saved with an incident on a large map: 10,000 services.

    .venv/bin/python -m bench.snapshot_size [--services N] [--symptom SVC] [--whole]

Builds the map `bench.rca_speed` ranks (each service called by up to two services
numbered before it, an hour of health, log and metric series for every service and
edge), sets the symptom at `--symptom` (default: the service in the middle of the map),
then times cutting the snapshot to the symptom's neighbourhood (`around_symptom`, the
default cap) and writing it as JSON, as an incident saves it. Checks that ranking from
the written snapshot, read back, finds what ranking the whole one does. `--whole` writes
the whole map too, for comparison. Target: the written snapshot <= 5 MB.
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
from topology.rca.scope import SNAPSHOT_SERVICES, around_symptom
from topology.rca.snapshot import Symptom

TARGET_BYTES = 5_000_000


def main() -> None:
    """Build the map, then cut, write and check the incident's snapshot."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--symptom", help="default: the service in the middle of the map")
    parser.add_argument("--cap", type=int, default=SNAPSHOT_SERVICES)
    parser.add_argument("--whole", action="store_true", help="write the whole map too")
    args = parser.parse_args()
    whole = build(args.services, random.Random(7))
    symptom = args.symptom or whole.services[args.services // 2].name
    whole = replace(whole, symptom=Symptom(symptom, "latency"))
    start = time.perf_counter()
    cut = around_symptom(whole, cap=args.cap)
    data = dump_snapshot(cut)
    took = time.perf_counter() - start
    again = rank(load_snapshot(data, source="written"), symptom)
    same = again == rank(whole, symptom)
    print(
        f"{args.services} services, symptom {symptom}: {len(cut.series)} services' series,"
        f" {len(cut.edges)} edges kept; omitted {dict(cut.omitted)}"
    )
    missed = "" if len(data) <= TARGET_BYTES else "  TARGET MISSED"
    print(f"snapshot {len(data) / 1e6:7.2f} MB  (target <= 5 MB){missed}")
    figure("snapshot: size", len(data) / 1e6, "MB", "<=", TARGET_BYTES / 1e6)
    print(f"cut and write {took * 1000:7.1f} ms")
    print(f"ranking from the written snapshot equals the whole map's: {same}")
    if args.whole:
        start = time.perf_counter()
        size = len(dump_snapshot(whole))
        print(f"whole map {size / 1e6:7.2f} MB, written in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
