"""A question from the CLI loads only what answers it: no server, Slack, Alembic, HTTP client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.conftest import REPO

SAMPLE = REPO / "samples" / "traces" / "shop-jaeger.json"
NOT_FOR_QUESTIONS = frozenset(
    {
        "alembic",
        "apscheduler",
        "graphviz",
        "httpx",
        "msgspec",
        "networkx",
        "opentelemetry",
        "prometheus_client",
        "slack_bolt",
        "slack_sdk",
        "starlette",
        "uvicorn",
    }
)
"""Packages a question on a store at the current schema has no use for."""

ASK_AND_LIST_MODULES = """
import contextlib, io, json, sys
from bot.cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """A SQLite store at the current schema holding the sample shop's traces."""
    url = f"sqlite:///{tmp_path / 'svcmap.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        assert main(["--db", url, "import", str(SAMPLE)]) == 0
    return url


def loaded_packages(url: str, *question: str) -> set[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
    done = subprocess.run(
        [sys.executable, "-c", ASK_AND_LIST_MODULES, "--db", url, *question],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    answer = json.loads(done.stdout)
    assert answer["code"] == 0, done.stderr
    return {name.partition(".")[0] for name in answer["modules"]}


@pytest.mark.parametrize(
    "question",
    [
        ["deps", "checkout"],
        ["blast", "payment"],
        ["edges"],
        ["rca", "frontend", "--at", "2026-05-01T02:30:00Z", "--window", "20m"],
    ],
    ids=" ".join,
)
def test_a_question_loads_no_server_slack_alembic_or_http_client(store_url, question):
    loaded = loaded_packages(store_url, *question)

    assert loaded & NOT_FOR_QUESTIONS == set()
    assert "sqlalchemy" in loaded


def test_a_store_behind_the_newest_schema_is_migrated_with_alembic(tmp_path):
    loaded = loaded_packages(f"sqlite:///{tmp_path / 'new.db'}", "edges")

    assert "alembic" in loaded
