"""A short command runs without the cycle collector; a long one with it; either way as it was."""

from __future__ import annotations

import contextlib
import gc
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.conftest import REPO

SAMPLE = REPO / "samples" / "traces" / "shop-jaeger.json"


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite store holding the sample shop's traces, asked from a folder of its own."""
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'svcmap.db'}"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["--db", url, "import", str(SAMPLE)]) == 0
    return url


@contextlib.contextmanager
def collections() -> Iterator[list[int]]:
    """The generations the cycle collector collected in the block, one item per collection."""
    seen: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(note)
    try:
        yield seen
    finally:
        gc.callbacks.remove(note)


def ask(*command: str) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(list(command)) == 0


@pytest.mark.parametrize(
    "question",
    [["deps", "checkout"], ["edges"], ["rca", "frontend", "--at", "2026-05-01T02:30:00Z"]],
    ids=" ".join,
)
def test_a_question_is_answered_without_a_collection_and_the_collector_is_on_again(
    store_url, question
):
    with collections() as collected:
        ask("--db", store_url, *question)

    assert collected == []
    assert gc.isenabled()


def test_an_import_runs_with_the_collector(store_url):
    with collections() as collected:
        ask("--db", store_url, "import", str(SAMPLE))

    assert collected != []
    assert gc.isenabled()


def test_a_collector_turned_off_before_stays_off(store_url):
    gc.disable()
    try:
        ask("--db", store_url, "import", str(SAMPLE))
        ask("--db", store_url, "edges")

        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize(
    ("question", "status", "said"),
    [
        (["edges"], 0, "checkout"),
        (["deps", "no-such-service"], 1, "no-such-service"),
        (["deps", "checkout", "--depth", "x"], 2, "--depth"),
    ],
)
def test_the_program_exits_with_its_command_s_status_and_its_whole_output(
    store_url, question, status, said
):
    env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "--db", store_url, *question],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )

    assert done.returncode == status
    assert said in (done.stdout if status == 0 else done.stderr)
    assert done.stdout.endswith("\n") or status != 0
