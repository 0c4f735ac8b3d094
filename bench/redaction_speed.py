"""What redacting names as they come in costs: spans of known names, and a flood of new ones.

    .venv/bin/python -m bench.redaction_speed [--spans N] [--names N]

First `--spans` spans (default 1,000,000) over 200 services and 50 peers, a quarter of
them named with a user id, redacted with the default rules: names seen before cost a
lookup. Then `--names` distinct new names (default 100,000, as `bench.name_flood` sends),
each run through every rule once; the memory the remembered names take stays under the
memo's bound. Targets: >= 1,000,000 spans/s of known names (the OTLP receiver's target is
20,000 spans/s, so redaction takes under 2% of it), >= 50,000 new names/s, and the
remembered names' memory <= 20 MB.
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc

from bench.summary import figure
from topology.model import Span, SpanKind
from topology.redaction import MEMO_SIZE, Redaction

MIN_SPANS_S = 1_000_000
MIN_NAMES_S = 50_000
MAX_MEMO_MB = 20.0


def spans(count: int, rng: random.Random) -> list[Span]:
    """`count` client spans between 200 services and 50 peers, some named per user."""
    services = [f"svc-{i:03d}" for i in range(150)] + [f"user-{i:07d}" for i in range(50)]
    peers = [f"db-10.0.{i // 250}.{i % 250}" for i in range(50)]
    return [
        Span(
            f"{i:032x}",
            f"{i:016x}",
            None,
            SpanKind.CLIENT,
            rng.choice(services),
            rng.choice(peers),
        )
        for i in range(count)
    ]


def flood(count: int, rng: random.Random) -> list[str]:
    """`count` distinct new names, shaped as a flood of made-up services would be."""
    shapes = (
        "cart-{n}",
        "worker-{h}",
        "profile-u{n}@example.com",
        "node-{n:x}-{n}",
        "svc{n}",
        "checkout-{h}-{n}",
    )
    return [
        rng.choice(shapes).format(n=i + 1_000_000, h=f"{rng.getrandbits(40):010x}")
        for i in range(count)
    ]


def main() -> None:
    """Time both passes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--names", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(7)

    batch = spans(args.spans, rng)
    redaction = Redaction()
    redaction.spans(batch[:1_000])  # the names seen once, as a running receiver has
    started = time.perf_counter()
    redaction.spans(batch)
    took = time.perf_counter() - started
    rate = args.spans / took
    print(f"known names: {args.spans:,} spans in {took:.3f} s: {rate:,.0f} spans/s", end="")
    print("" if rate >= MIN_SPANS_S else f"  TARGET MISSED (>= {MIN_SPANS_S:,})")
    figure("redaction: known names", rate, "spans/s", ">=", MIN_SPANS_S)
    print(f"  distinct names after redaction: {len({s.local_service for s in batch}):,}")

    names = flood(args.names, rng)
    timed = Redaction()
    started = time.perf_counter()
    redacted = {timed.name(name) for name in names}
    took = time.perf_counter() - started
    rate = args.names / took
    print(f"new names: {args.names:,} in {took:.3f} s: {rate:,.0f} names/s", end="")
    print("" if rate >= MIN_NAMES_S else f"  TARGET MISSED (>= {MIN_NAMES_S:,})")
    figure("redaction: new names", rate, "names/s", ">=", MIN_NAMES_S)
    print(f"  {len(redacted):,} distinct names after redaction, such as {sorted(redacted)[-4:]}")
    fresh = Redaction()
    tracemalloc.start()
    for name in names:
        fresh.name(name)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    memo_mb = peak / 1e6
    print(f"  remembered {fresh.remembered:,} (bound {MEMO_SIZE:,}); peak {memo_mb:.1f} MB", end="")
    print("" if memo_mb <= MAX_MEMO_MB else f"  TARGET MISSED (<= {MAX_MEMO_MB} MB)")
    figure("redaction: memo peak", memo_mb, "MB", "<=", MAX_MEMO_MB)


if __name__ == "__main__":
    main()
