"""An answer about now says so when a configured source's data lags."""

import json
from pathlib import Path

from bot.bootstrap import build_app, import_desk
from bot.cli.parser import build_parser
from bot.cli.questions import answer_question
from bot.settings import load_settings
from bot.usecases.importing import import_file
from tests.conftest import REPO


def ask(tmp_path: Path, *words: str, **settings: object) -> str:
    config = load_settings(database_url=f"sqlite:///{tmp_path / 'svcmap.db'}", **settings)
    with build_app(config) as app:
        import_file(import_desk(app), REPO / "samples" / "traces" / "shop-otlp.json")
        return answer_question(app, build_parser().parse_args(list(words)))


def test_a_source_never_pulled_is_named_under_the_answer(tmp_path: Path) -> None:
    shown = ask(tmp_path, "deps", "checkout", jaeger_url="http://127.0.0.1:9")
    assert shown.startswith("checkout: dependencies")
    assert shown.endswith("warning: the map may be stale: jaeger never pulled")


def test_json_answers_list_the_stale_sources(tmp_path: Path) -> None:
    shown = json.loads(ask(tmp_path, "blast", "payment", "--json", zipkin_url="http://127.0.0.1:9"))
    assert [source["source"] for source in shown["stale_sources"]] == ["zipkin"]


def test_without_sources_or_about_the_past_nothing_is_said(tmp_path: Path) -> None:
    assert "stale" not in ask(tmp_path, "deps", "checkout")
    past = ask(
        tmp_path,
        "deps",
        "checkout",
        "--at",
        "2026-05-01T02:00:00Z",
        jaeger_url="http://127.0.0.1:9",
    )
    assert "stale" not in past
