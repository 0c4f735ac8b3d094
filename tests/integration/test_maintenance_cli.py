"""`svcmap simulate down ... --for D [--suggest]` on a store holding two weeks of traffic."""

import json
from pathlib import Path

import pytest

from bot.bootstrap import build_app
from bot.cli.parser import build_parser
from bot.cli.questions import answer_question
from bot.settings import load_settings
from topology.errors import UsageError
from topology.model import Call, Served

HOUR, WEEK = 3_600, 7 * 86_400
MONDAY = 1_777_852_800  # 2026-05-04T00:00Z, when the maintenance would start
QUIET = 27  # Tuesday 03:00: the hour of the week with least traffic
CATALOG = """
teams:
  front:
    slack_channel: "#front"
  core: {}
services:
  web: front
  api: core
"""


def _hour(at_s: int, requests: int) -> tuple[list[Call], list[Served]]:
    calls = [
        Call(
            "web",
            "api",
            f"w{at_s}-{n}",
            at_s * 1_000_000,
            False,
            1_000,
            2_000,
            None,
            None,
            True,
            True,
        )
        for n in range(requests)
    ]
    served = [
        Served("web", f"s{at_s}-{n}", at_s * 1_000_000, False, 3_000) for n in range(requests)
    ]
    served += [
        Served("api", f"a{at_s}-{n}", at_s * 1_000_000, False, 1_000) for n in range(requests)
    ]
    return calls, served


@pytest.fixture
def ask(database_url: str, tmp_path: Path):
    catalog = tmp_path / "owners.yaml"
    catalog.write_text(CATALOG)
    settings = load_settings(database_url=database_url, catalog_file=catalog)
    with build_app(settings) as app:
        calls, served = [], []
        for week in (1, 2):
            for hour in range(7 * 24):
                got = _hour(MONDAY - week * WEEK + hour * HOUR + 60, 1 if hour == QUIET else 4)
                calls += got[0]
                served += got[1]
        app.store.ingest(calls, served, now_s=MONDAY, source="test", spans=len(calls) + len(served))

        def asking(*words: str) -> dict:
            args = build_parser().parse_args(["simulate", "down", "api", *words, "--json"])
            return json.loads(answer_question(app, args))

        yield asking


def test_a_window_is_weighed_on_the_same_hours_of_past_weeks(ask) -> None:
    answer = ask("--at", str(MONDAY), "--for", "2h", "--weeks", "3")

    assert answer["down"] == ["api"]
    assert [week["start"] for week in answer["weeks"]] == [MONDAY - w * WEEK for w in (1, 2, 3)]
    assert [week["lost_requests"] for week in answer["weeks"]] == [8.0, 8.0, 0.0]
    assert answer["weeks"][0]["lost_share"] == 1.0
    assert answer["median_lost_requests"] == 8.0
    assert answer["teams"] == [{"team": "front", "weeks": 2, "services": ["web"]}]
    assert answer["suggestions"] == []


def test_suggest_names_the_quietest_hours_of_the_coming_week(ask) -> None:
    answer = ask("--at", str(MONDAY), "--for", "1h", "--weeks", "2", "--suggest")

    first = answer["suggestions"][0]
    assert first["start"] == MONDAY + QUIET * HOUR
    assert (first["lost_requests"], first["weeks"]) == (1.0, 2)
    assert len(answer["suggestions"]) == 3


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["--suggest"], "--suggest needs --for"),
        (["--for", "1h", "--window", "1h"], "--window does not apply"),
    ],
)
def test_options_that_do_not_go_together_are_refused(ask, words, message) -> None:
    with pytest.raises(UsageError, match=message):
        ask(*words)
