"""A question from the CLI loads only what answers it: no server, Slack, Alembic, HTTP client.

Nor pydantic, nor SQLAlchemy's ORM: what is imported is most of a question's time. The map's
questions, `edges`, `incidents` and `rca` on a SQLite store at the newest schema load no
SQLAlchemy at all, and answer as the app does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bootstrap import build_app
from bot.cli.listing import list_edges_command
from bot.cli.main import main
from bot.cli.parser import build_parser
from bot.settings import load_settings
from tests.conftest import REPO

SAMPLE = REPO / "samples" / "traces" / "shop-jaeger.json"
NOT_FOR_QUESTIONS = frozenset(
    {
        "alembic",
        "apscheduler",
        "authlib",
        "dotenv",
        "drain3",
        "graphviz",
        "httpx",
        "itsdangerous",
        "msgspec",
        "networkx",
        "numpy",
        "opentelemetry",
        "prometheus_client",
        "pydantic",
        "pydantic_core",
        "pydantic_settings",
        "scipy",
        "slack_bolt",
        "slack_sdk",
        "starlette",
        "uvicorn",
    }
)
"""Packages a question on a store at the current schema has no use for (without a `.env`).

numpy is loaded only to solve a cycle of calls, and the sample shop has none."""
NOT_FOR_QUESTIONS_MODULES = frozenset({"sqlalchemy.orm", "sqlalchemy.ext.asyncio"})
"""Parts of packages a question does load that it has no use for."""

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


def loaded_modules(url: str, *question: str) -> set[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-c", ASK_AND_LIST_MODULES, "--db", url, *question],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(url.removeprefix("sqlite:///")).parent,
        timeout=60,
        check=True,
    )
    answer = json.loads(done.stdout)
    assert answer["code"] == 0, done.stderr
    return set(answer["modules"])


def loaded_packages(url: str, *question: str) -> set[str]:
    return {name.partition(".")[0] for name in loaded_modules(url, *question)}


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
    modules = loaded_modules(store_url, *question)
    loaded = {name.partition(".")[0] for name in modules}

    assert loaded & NOT_FOR_QUESTIONS == set()
    assert modules & NOT_FOR_QUESTIONS_MODULES == set()


AT = ("--at", "2026-05-01T02:30:00Z")
READ_WITHOUT_THE_APP = [
    ["edges", "--window", "1d"],
    ["deps", "checkout", "--window", "1d"],
    ["blast", "payment", "--json"],
    ["path", "frontend", "postgres"],
    ["owners", "checkout"],
    ["drift"],
    ["diff", "--since", "10m", "--json"],
    ["simulate", "down", "payment,cart"],
    ["incidents", "--json"],
    ["rca", "frontend", "--window", "20m", "--json"],
    ["rca", "checkout", "--window", "20m", "--baseline", "1h"],
]
"""The commands a SQLite store at the newest schema answers without the app."""


@pytest.mark.parametrize("question", READ_WITHOUT_THE_APP, ids=" ".join)
def test_a_map_question_on_a_sqlite_store_at_the_newest_schema_loads_no_sqlalchemy(
    store_url, question
):
    at = AT if question[0] != "incidents" else ()
    loaded = loaded_packages(store_url, *question, *at)

    assert "sqlalchemy" not in loaded


@pytest.mark.parametrize(
    "question",
    [["risk"], ["simulate", "down", "payment", "--for", "30m"]],
    ids=" ".join,
)
def test_a_question_weighing_more_than_the_map_is_answered_by_the_app(store_url, question):
    assert "sqlalchemy" in loaded_packages(store_url, *question, *AT)


def shown(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("question", READ_WITHOUT_THE_APP, ids=" ".join)
def test_an_answer_read_without_the_app_is_the_one_the_app_gives(
    store_url, question, capsys, monkeypatch
):
    at = AT if question[0] != "incidents" else ()
    argv = ["--db", store_url, *question, *at]
    read = shown(argv, capsys)
    monkeypatch.setattr("bot.bootstrap.open_reading", lambda *_, **__: None)

    assert read == shown(argv, capsys)
    assert read[0] == 0
    assert read[1].strip()


def test_a_question_naming_an_unknown_service_fails_alike_either_way(
    store_url, capsys, monkeypatch
):
    argv = ["--db", store_url, "deps", "nosuch-<svc>", *AT]
    read = shown(argv, capsys)
    monkeypatch.setattr("bot.bootstrap.open_reading", lambda *_, **__: None)

    assert read == shown(argv, capsys)
    assert read[0] == 1
    assert "unknown service" in read[2]


def test_edges_read_without_sqlalchemy_are_those_the_app_reads(store_url):
    question = ["edges", "--at", "2026-05-01T02:30:00Z", "--window", "1d", "--json"]
    args = build_parser().parse_args(["--db", store_url, *question])
    with build_app(load_settings(database_url=store_url)) as app:
        through_app = list_edges_command(app, args)
    shown = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "--db", store_url, *question],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=REPO,
        timeout=60,
        check=True,
    )

    assert json.loads(shown.stdout) == json.loads(through_app)
    assert json.loads(through_app)


def test_a_store_behind_the_newest_schema_is_migrated_with_alembic(tmp_path):
    loaded = loaded_packages(f"sqlite:///{tmp_path / 'new.db'}", "edges")

    assert "alembic" in loaded


@pytest.mark.parametrize(
    "question", [["deps", "checkout"], ["blast", "payment"], ["edges"]], ids=" ".join
)
def test_a_map_question_loads_no_root_cause_ranking(store_url, question):
    modules = loaded_modules(store_url, *question)

    assert {name for name in modules if name.startswith("topology.rca")} == set()


def test_with_a_catalog_source_a_question_naming_owners_is_answered_by_the_app(
    store_url, capsys, monkeypatch
):
    def never(*_: object, **__: object) -> None:
        pytest.fail("read without the app, the catalog source unread")

    monkeypatch.setenv("SVCMAP_BACKSTAGE_URL", "http://127.0.0.1:9")
    monkeypatch.setattr("bot.bootstrap.open_reading", never)

    code, out, err = shown(["--db", store_url, "deps", "checkout", *AT], capsys)

    assert code == 0
    assert "checkout" in out
    assert "backstage" in err.lower()
