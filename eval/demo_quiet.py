"""How many early warnings does the demo raise with nothing broken? `python -m eval.demo_quiet`.

Runs `svcmap demo` as `eval.demo_ramp` does (its own SQLite file, a free port, a sped-up
clock, its warning pass each minute) and breaks nothing. Follows the early warnings kept
(`/api/warnings?all=1`) for `--limit` of demo time after the history, and prints each one
opened in that time, how many a day that makes, and how many warnings opened again on the
same subject and metric. Every warning here is a false alarm: the shop's traffic only
varies at random. Figures only.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from eval.demo_ramp import POLL_S, running_demo, say, say_cpu
from topology.timespec import parse_duration

DAY_S = 86_400


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo with nothing broken and print the warnings it raised."""
    args = _parser().parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder, running_demo(args, Path(folder)) as (client, _):
        since = int(client.get("/demo/state").json()["now"])
        opened = _follow(client, since + parse_duration(args.limit))
    _report(args, opened, since)
    say_cpu(started)
    return 0


def _follow(client: httpx.Client, until: int) -> dict[tuple[str, str, int], Mapping[str, object]]:
    """Every warning kept until demo time `until`, by subject, metric and opening time."""
    seen: dict[tuple[str, str, int], Mapping[str, object]] = {}
    while True:
        now = int(client.get("/demo/state").json()["now"])
        listed = client.get("/api/warnings", params={"all": "1"}).json().get("warnings")
        for warning in listed if isinstance(listed, list) else []:
            key = (str(warning["subject"]), str(warning["metric"]), int(warning["opened_at"]))
            seen[key] = warning
        if now >= until:
            return seen
        time.sleep(POLL_S)


def _report(
    args: argparse.Namespace, seen: Mapping[tuple[str, str, int], Mapping[str, object]], since: int
) -> None:
    followed = parse_duration(args.limit)
    opened = sorted((key for key in seen if key[2] >= since), key=lambda key: key[2])
    say(
        f"demo, nothing broken: {args.limit} of demo time followed after {args.history} of "
        f"history (speed {args.speed:g}, rate {args.rate:g}/s)"
    )
    for subject, metric, at in opened:
        warning = seen[(subject, metric, at)]
        say(
            f"  {(at - since) / 60:6.1f} min: {subject} {metric} {warning['kind']} "
            f"(level {warning['level']}, usual {warning['usual']}, "
            f"threshold {warning['threshold']})"
        )
    subjects = {(subject, metric) for subject, metric, _ in opened}
    say(
        f"  warnings opened: {len(opened)}, {len(opened) * DAY_S / followed:.1f} a day; "
        f"opened again on the same subject and metric: {len(opened) - len(subjects)}"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval.demo_quiet", description=__doc__)
    parser.add_argument("--speed", type=float, default=60.0, help="demo seconds per second")
    parser.add_argument("--rate", type=float, default=2.0, help="shop requests per second")
    parser.add_argument("--history", default="1h", help="healthy history sent first")
    parser.add_argument("--limit", default="6h", help="demo time followed after the history")
    return parser


if __name__ == "__main__":
    sys.exit(main())
