"""`svcmap warnings`: the warnings kept, open ones first, as a table or JSON."""

from __future__ import annotations

import json

import pytest

from bot.adapters.store import make_engine, upgrade
from bot.adapters.store.early_warnings import WarningLog
from bot.cli.main import main
from topology.warnings.model import Finding
from topology.warnings.track import CLOSE_AFTER_S, track

T = 1_800_000_000


@pytest.fixture
def svcmap(database_url, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)  # no .env of the developer's

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", database_url, *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def log(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    yield WarningLog(engine)
    engine.dispose()


def finding(subject: str) -> Finding:
    return Finding(subject, "latency_ms", "trend", 55.0, 40.0, 80.0, 1500)


def test_no_warnings_says_so(svcmap):
    assert svcmap("warnings") == (0, "No open early warnings.\n\n", "")
    assert svcmap("warnings", "--json")[1] == "[]\n"


def test_open_warnings_are_listed_and_closed_ones_only_with_all(svcmap, log):
    log.write(track({}, [finding("web->cart"), finding("search")], T).writes)
    kept = log.kept()
    log.write(track(kept, [finding("web->cart")], T + CLOSE_AFTER_S).writes)
    code, out, _ = svcmap("warnings", "--json")
    assert code == 0
    shown = json.loads(out)
    assert [(w["subject"], w["open"], w["eta_s"]) for w in shown] == [("web->cart", True, 1500)]
    every = json.loads(svcmap("warnings", "--all", "--json")[1])
    assert [w["subject"] for w in every] == ["web->cart", "search"]
    table = svcmap("warnings")[1]
    assert "web->cart" in table
    assert "25m" in table
    assert "search" not in table
