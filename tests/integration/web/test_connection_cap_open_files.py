"""serve's connection cap fits what the process may open (checked in a child process,
whose open-file limit can be lowered without touching the tests')."""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = """
import json, logging, resource, sys
from types import SimpleNamespace
from bot.cli.serving import connection_limits
from bot.settings import load_settings
logging.basicConfig(stream=sys.stderr, format="%(message)s")
for soft, hard, wanted in json.loads(sys.argv[1]):
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    settings = load_settings(database_url="sqlite://", http_max_connections=wanted)
    limits = connection_limits(SimpleNamespace(settings=settings))
    print(limits.max_connections, resource.getrlimit(resource.RLIMIT_NOFILE)[0], flush=True)
    print("--", file=sys.stderr, flush=True)
"""
CASES = [  # (soft, hard, wanted) -> (cap, soft after); hard limits only ever come down
    ((256, 4096, 1000), (1000, 1448)),  # raised as far as the cap and the files kept need
    ((4096, 4096, 1000), (1000, 4096)),  # room enough: nothing changes
    ((256, 1024, 1000), (576, 1024)),  # raised to the hard limit, the cap below it
    ((256, 256, 1000), (16, 256)),  # no room to raise it: the cap comes down, to 16 at least
]


def run_cases() -> tuple[list[tuple[int, int]], list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps([case for case, _ in CASES])],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answers = [tuple(int(n) for n in line.split()) for line in done.stdout.splitlines()]
    return answers, done.stderr.split("--\n")  # type: ignore[return-value]


def test_the_cap_stays_below_the_open_file_limit_raised_where_allowed():
    answers, _ = run_cases()

    assert answers == [expected for _, expected in CASES]


def test_only_a_cap_brought_down_is_logged_naming_the_setting():
    _, logged = run_cases()

    assert logged[0] == logged[1] == ""
    assert "at most 576 connections at once, not SVCMAP_HTTP_MAX_CONNECTIONS=1000" in logged[2]
    assert "at most 16 connections" in logged[3]
