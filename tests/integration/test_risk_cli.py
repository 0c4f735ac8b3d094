"""`svcmap risk` on a small store: single points of failure, owners, new edges, burning budgets."""

import json
from functools import partial
from pathlib import Path

import pytest

from bot.bootstrap import ask_desk, build_app
from bot.cli.main import main
from bot.cli.parser import build_parser
from bot.cli.questions import answer_question
from bot.settings import load_settings
from bot.usecases.asking import risk_desk, risk_maps
from bot.usecases.map_questions import map_of
from bot.usecases.risk import weigh_risks
from topology.model import Call, NodeKind, Served

AT = 1_777_604_400  # 2026-05-01T03:00Z
CATALOG = """
teams:
  front:
    slack_channel: "#front"
    pagerduty_routing_key: "key-front"
  core: {}
services:
  web: front
  api: core
"""


def _calls(parent: str, child: str, at_s: int, count: int, *, peer: bool = False) -> list[Call]:
    kind = NodeKind.DATABASE if peer else None
    return [
        Call(
            parent,
            child,
            f"{parent}-{child}-{at_s}-{n}",
            at_s * 1_000_000,
            False,
            server_us=None if peer else 1_000,
            client_us=2_000,
            child_kind=kind,
            parent_local=True,
            child_local=not peer,
        )
        for n in range(count)
    ]


def _served(service: str, at_s: int, count: int, errors: int = 0) -> list[Served]:
    return [
        Served(service, f"{service}-{at_s}-{n}", at_s * 1_000_000, n < errors, 5_000)
        for n in range(count)
    ]


@pytest.fixture
def app(database_url: str, tmp_path: Path):
    catalog = tmp_path / "owners.yaml"
    catalog.write_text(CATALOG)
    settings = load_settings(database_url=database_url, catalog_file=catalog)
    with build_app(settings) as app:
        old, recent = AT - 3 * 86_400, AT - 120
        calls, served = [], []
        for at_s in (old, recent):
            calls += _calls("web", "api", at_s, 90) + _calls("web", "static", at_s, 10)
            calls += _calls("api", "postgres", at_s, 90, peer=True)
            served += _served("web", at_s, 100) + _served("static", at_s, 10)
        calls += _calls("api", "flags", recent, 30)
        served += _served("api", old, 90) + _served("api", recent, 90, errors=18)
        served += _served("flags", recent, 30)
        app.store.ingest(calls, served, now_s=AT, source="test", spans=len(calls) + len(served))
        yield app


@pytest.fixture
def ask(app):
    def asking(*words: str) -> str:
        args = build_parser().parse_args(["risk", "--at", str(AT), "--window", "1h", *words])
        return answer_question(app, args)

    return asking


@pytest.mark.parametrize(
    "words", [[], ["--min-share", "95%"], ["--min-share", "1%"], ["--window", "4d"]]
)
def test_the_traffic_alone_weighs_risks_as_the_whole_map_does(app, words) -> None:
    args = build_parser().parse_args(["risk", "--at", str(AT), *words])
    desk = ask_desk(app)
    whole = weigh_risks(risk_desk(desk), args, partial(map_of, desk, live=False))
    app.graphs.clear()

    assert weigh_risks(risk_desk(desk), args, risk_maps(desk, live=False)) == whole


def test_a_map_the_app_holds_answers_risk_without_reading_again(app) -> None:
    args = build_parser().parse_args(["risk", "--at", str(AT)])
    desk = ask_desk(app)
    whole = weigh_risks(risk_desk(desk), args, partial(map_of, desk, live=False))
    held = [app.graphs.cached(window) for window in whole[0].values()]
    read_again: list[object] = []
    app.store.edge_calls = lambda *window: read_again.append(window)  # a read would fail

    assert weigh_risks(risk_desk(desk), args, risk_maps(desk, live=False)) == whole
    assert read_again == []
    assert held[0] is not None


def test_risk_names_single_points_owners_new_edges_and_burning_budgets(ask) -> None:
    answer = json.loads(ask("--json"))

    assert answer["question"] == "risk"
    assert (answer["entries"], answer["entry_requests"]) == (1, 100.0)
    points = {point["name"]: point for point in answer["single_points"]}
    assert set(points) == {"web", "api", "postgres"}
    assert points["api"]["share"] == pytest.approx(0.9)
    assert points["postgres"]["kind"] == "database"
    gaps = {gap["name"]: gap["problems"] for gap in answer["owner_gaps"]}
    assert gaps == {"api": ["no routing key", "no channel"], "postgres": ["no owner"]}
    assert [(d["parent"], d["child"]) for d in answer["new_dependencies"]] == [("api", "flags")]
    burns = {(burn["service"], burn["budget"]) for burn in answer["burning"]}
    assert burns == {("api", "errors")}
    assert answer["burning"][0]["long_rate"] == pytest.approx(200.0)


def test_a_higher_share_leaves_only_the_entry(ask) -> None:
    answer = json.loads(ask("--min-share", "95%", "--json"))

    assert [point["name"] for point in answer["single_points"]] == ["web"]
    assert answer["owner_gaps"] == []


def test_risk_as_text_names_each_part(ask) -> None:
    shown = ask()

    assert "1 entry service served 100 requests" in shown
    assert "Single points of failure" in shown
    rows = shown.split("Single points of failure", 1)[1].split("\n\n", 1)[0]
    assert ".0 " not in rows  # entry requests are counts, shown whole
    assert "Critical, and nobody can be paged or told for them:" in shown
    assert "New dependencies on the critical path" in shown
    assert "Budgets burning" in shown


@pytest.mark.parametrize("share", ["0", "1.5", "half", "nan", "-10%"])
def test_a_bad_share_is_a_usage_error(share: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["risk", f"--min-share={share}"])

    assert exited.value.code == 2
    assert "bad share" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["risk", "--limit", "0"], "bad number '0': use a whole number, 1 to 1000"),
        (["risk", "--limit", "5000"], "bad number '5000'"),
        (["simulate", "down", "a", "--for", "1h", "--weeks", "53"], "bad number '53'"),
        (["simulate", "down", "a", "--for", "soon"], "--for"),
    ],
)
def test_bad_counts_are_usage_errors(
    words: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(words)

    assert exited.value.code == 2
    assert message in capsys.readouterr().err
