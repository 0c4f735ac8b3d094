"""Questions name services as their traces do; the map holds the names redacted.

A question about `cart-1234567` asks about the node `cart-{num}` it became, and never
echoes the part redacted; with redaction off, names are asked as they are stored.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.bootstrap import build_app
from bot.cli.main import main
from bot.settings import load_settings
from bot.usecases import rca
from tests.otlp_exports import as_json, frontend_calls_cart

AT = ["--at", "1700000120", "--window", "1h", "--json"]


@pytest.fixture
def svcmap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run `svcmap ARGS` on a store holding frontend calling `cart-1234567` (and its redis)."""
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'svcmap.db'}"
    spans = frontend_calls_cart()
    spans["cart-1234567"] = spans.pop("cart")
    traces = tmp_path / "traces.json"
    traces.write_bytes(as_json(spans))

    def run(*args: str) -> tuple[int, str]:
        code = main(["--db", url, *args])
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    def start(*, redact: bool = True) -> None:
        monkeypatch.setenv("SVCMAP_REDACT_DEFAULTS", "true" if redact else "false")
        assert run("import", str(traces))[0] == 0

    run.start = start  # type: ignore[attr-defined]
    return run


@pytest.mark.parametrize(
    "question",
    [
        ["deps", "cart-1234567"],
        ["blast", "cart-1234567"],
        ["owners", "cart-1234567"],
        ["path", "frontend", "cart-1234567"],
        ["simulate", "down", "redis,cart-1234567"],
    ],
)
def test_a_question_naming_a_raw_name_asks_about_its_redacted_node(svcmap, question):
    svcmap.start()

    code, out = svcmap(*question, *AT)

    assert code == 0, out
    assert "cart-{num}" in out
    assert "1234567" not in out


def test_deps_of_the_raw_name_finds_its_caller(svcmap):
    svcmap.start()

    code, out = svcmap("deps", "cart-1234567", *AT)

    assert code == 0, out
    assert "frontend" in json.dumps(json.loads(out))


def test_with_redaction_off_names_are_asked_as_stored(svcmap):
    svcmap.start(redact=False)

    code, out = svcmap("deps", "cart-1234567", *AT)

    assert code == 0, out
    assert "cart-1234567" in out


def test_an_unknown_name_is_told_redacted(svcmap):
    svcmap.start()

    code, out = svcmap("deps", "orders-ada@example.com", *AT)

    assert code == 1
    assert "ada@example.com" not in out


def test_the_catalog_owns_the_redacted_node_by_its_raw_name(svcmap, tmp_path, monkeypatch):
    catalog = tmp_path / "owners.yaml"
    catalog.write_text(
        "teams:\n  carts:\n    slack_channel: '#carts'\n"
        "services:\n  cart-1234567:\n    team: carts\n    depends_on: [redis]\n"
    )
    monkeypatch.setenv("SVCMAP_CATALOG_FILE", str(catalog))
    svcmap.start()

    code, out = svcmap("owners", "cart-1234567", *AT)

    assert code == 0, out
    assert "carts" in out
    assert "1234567" not in out


class AskedError(Exception):
    """Raised by the stand-in for the ranking's reads, with the symptom it was asked."""


def test_rca_of_a_raw_name_ranks_for_its_redacted_node(tmp_path, monkeypatch):
    def gather(*_: object, symptom: str, **__: object) -> None:
        raise AskedError(symptom)

    monkeypatch.setattr(rca, "gather_for_ranking", gather)
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'svcmap.db'}")
    with build_app(settings) as app, pytest.raises(AskedError) as asked:
        rca.rank_from_store(app, "cart-1234567", 1_700_000_120, 900, 7_200)

    assert asked.value.args == ("cart-{num}",)
