"""The web view's Slack preview: the answer's blocks and the picture it would upload."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.bootstrap import App, build_app, preview_desk
from bot.settings import load_settings
from bot.usecases import browsing
from bot.usecases.browsing import Preview, preview
from tests.integration.slack.conftest import NOW, SAMPLES
from topology.errors import RenderError


@pytest.fixture
def app(shop_db: str) -> Iterator[App]:
    settings = load_settings(database_url=shop_db, catalog_file=SAMPLES / "owners.yaml")
    with build_app(settings, clock=lambda: float(NOW)) as made:
        yield made


def test_an_answer_comes_with_the_picture_slack_would_get_as_svg(app):
    shown = _preview(app, "deps checkout --down")

    assert not shown.ephemeral
    assert shown.picture.lstrip().startswith("<?xml")
    assert "payment" in shown.picture
    assert shown.no_picture == ""


def test_when_graphviz_fails_the_preview_says_why_there_is_no_picture(app, monkeypatch):
    def failing(*_: object, **__: object) -> bytes:
        raise RenderError("Graphviz took longer than 5 s")

    monkeypatch.setattr(browsing, "rendered", failing)

    shown = _preview(app, "deps checkout --down")

    assert (shown.picture, shown.no_picture) == ("", "Graphviz took longer than 5 s")
    assert shown.blocks


def test_mistakes_are_for_the_asker_alone_and_have_no_picture(app):
    shown = _preview(app, "blast paymnt")

    assert shown.ephemeral
    assert "did you mean" in str(shown.blocks)
    assert (shown.picture, shown.no_picture) == ("", "")


def _preview(app: App, text: str) -> Preview:
    return preview(preview_desk(app), text, now_s=app.now())
