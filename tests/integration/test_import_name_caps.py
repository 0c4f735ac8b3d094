"""`svcmap import` under the caps on new names: history in bulk, within the window's caps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.otlp_exports import SERVER, OtlpSpanSpec, as_json
from topology.cardinality import SERVICES


def served_by(names: list[str]) -> bytes:
    """An OTLP JSON file: one server span of each name, each its own trace."""
    return as_json(
        {
            name: [OtlpSpanSpec("c000000000000001", kind=SERVER, trace_id=f"{i + 1:032x}")]
            for i, name in enumerate(names)
        }
    )


@pytest.fixture
def svcmap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run `svcmap ARGS` on a fresh store with tight caps; its exit status and output."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SVCMAP_MAX_SERVICES", "3")
    monkeypatch.setenv("SVCMAP_NEW_NAMES_PER_MINUTE", "1")
    url = f"sqlite:///{tmp_path / 'svcmap.db'}"

    def run(*args: str) -> tuple[int, str]:
        code = main(["--db", url, *args])
        return code, capsys.readouterr().out

    return run


def test_an_import_spends_no_budget_of_a_minute_but_keeps_the_window_caps(svcmap, tmp_path):
    traces = tmp_path / "history.json"
    traces.write_bytes(served_by([f"s{i}" for i in range(10)]))

    code, _ = svcmap("import", str(traces))

    assert code == 0
    edges = json.loads(svcmap("edges", "--json")[1])
    assert edges == []  # served requests only, no calls
    statuses = json.loads(svcmap("sources", "--json")[1])
    (imported,) = [status for status in statuses if status["source"] == "import"]
    (refused,) = imported["refused"]
    assert (refused["reason"], refused["names"], refused["calls"]) == (SERVICES, 7, 7)
    text = svcmap("sources")[1]
    assert "refused import: 7 names and 7 calls (new services past SVCMAP_MAX_SERVICES" in text


def test_each_import_command_has_a_window_of_its_own_and_stored_names_pass(svcmap, tmp_path):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    first.write_bytes(served_by(["a", "b", "c"]))
    second.write_bytes(served_by(["a", "b", "c", "d", "e", "f", "g"]))

    assert svcmap("import", str(first))[0] == 0
    assert svcmap("import", str(second))[0] == 0

    out = svcmap("sources", "--json")[1]
    (imported,) = [status for status in json.loads(out) if status["source"] == "import"]
    assert [(r["names"], r["calls"]) for r in imported["refused"]] == [(1, 1)]
