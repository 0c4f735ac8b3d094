"""Questions name services as their traces do; the map holds the names redacted.

A question about `cart-1234567` asks about the node `cart-{num}` it became, and never
echoes the part redacted; with redaction off, names are asked as they are stored.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.otlp_exports import as_json, frontend_calls_cart
from topology.rca import load_snapshot

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


SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples" / "traces").glob("*.json"))
INCIDENT = ["--at", "2026-05-01T02:30:00Z", "--window", "20m", "--baseline", "60m", "--json"]
POD_RULE = '{"^frontend$": "frontend-{pod}"}'
"""Redacts the shop's `frontend` (the symptom of its payment incident) to a placeholder."""


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run `svcmap ARGS` on the sample shop's traces, imported under `redact_rules`."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str]:
        code = main(["--db", f"sqlite:///{tmp_path / 'svcmap.db'}", *args])
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    def start(redact_rules: str) -> None:
        monkeypatch.setenv("SVCMAP_REDACT_RULES", redact_rules)
        code, out = run("import", *map(str, SAMPLES))
        assert code == 0, out

    run.start = start  # type: ignore[attr-defined]
    return run


def ranked(out: str) -> list[tuple[str, float]]:
    return [(entry["service"], entry["score"]) for entry in json.loads(out)["ranking"]]


def test_rca_of_a_raw_name_ranks_its_redacted_node_as_the_placeholder_does(shop):
    shop.start(POD_RULE)

    raw_code, raw = shop("rca", "frontend", *INCIDENT)
    held_code, held = shop("rca", "frontend-{pod}", *INCIDENT)

    assert (raw_code, held_code) == (0, 0), raw + held
    assert json.loads(raw)["symptom"] == "frontend-{pod}"
    assert ranked(raw) == ranked(held)
    assert ranked(raw)[0][0] in {"payment", "stripe-api"}


def test_rca_through_redaction_ranks_as_without_it(shop, tmp_path):
    shop.start(POD_RULE)
    redacted = ranked(shop("rca", "frontend", *INCIDENT)[1])
    (tmp_path / "svcmap.db").unlink()
    shop.start("")

    plain = ranked(shop("rca", "frontend", *INCIDENT)[1])

    renamed = {"frontend-{pod}": "frontend"}
    assert [(renamed.get(name, name), score) for name, score in redacted] == plain


def test_a_snapshot_exported_for_a_raw_name_is_of_its_redacted_node(shop, tmp_path):
    shop.start(POD_RULE)
    path = tmp_path / "incident.json"

    code, out = shop("snapshot", "export", "frontend", *INCIDENT[:-1], "--output", str(path))

    assert code == 0, out
    snapshot = load_snapshot(path.read_bytes(), source=str(path))
    assert snapshot.symptom is not None
    assert snapshot.symptom.service == "frontend-{pod}"
    assert "frontend" not in snapshot.series
