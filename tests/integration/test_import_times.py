"""`svcmap import` takes history but refuses spans before 1970 or more than a day ahead."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.bootstrap import build_app, import_desk
from bot.settings import load_settings
from bot.usecases.importing import import_file
from topology.errors import TraceFormatError

NOW = 1_790_000_000
DAY = 86_400


def zipkin(path: Path, *starts_us: object) -> Path:
    spans = [
        {
            "traceId": f"{i + 1:032x}",
            "id": f"{i + 1:016x}",
            "kind": "CLIENT",
            "localEndpoint": {"serviceName": "frontend"},
            "remoteEndpoint": {"serviceName": "cart"},
            "timestamp": start,
            "duration": 10,
        }
        for i, start in enumerate(starts_us)
    ]
    path.write_text(json.dumps(spans))
    return path


@pytest.fixture
def app(tmp_path):
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'svcmap.db'}")
    with build_app(settings, clock=lambda: float(NOW)) as built:
        yield built


def test_last_years_spans_go_in_and_those_two_days_ahead_are_counted_refused(app, tmp_path):
    file = zipkin(tmp_path / "t.json", (NOW - 365 * DAY) * 10**6, (NOW + 2 * DAY) * 10**6)

    done = import_file(import_desk(app), file)

    assert (done.spans, done.refused) == (1, 1)
    assert "a day ahead" in (done.reason or "")
    [edge] = app.store.edges()
    assert (edge.parent, edge.child, edge.calls) == ("frontend", "cart", 1)


def test_a_file_of_nothing_but_future_spans_is_refused_whole(app, tmp_path):
    file = zipkin(tmp_path / "t.json", (NOW + 2 * DAY) * 10**6)

    with pytest.raises(TraceFormatError, match=r"t\.json: every span refused"):
        import_file(import_desk(app), file)


@pytest.mark.parametrize("start", [10**30, "1" * 5000, -(10**30)])
def test_a_time_that_does_not_fit_names_the_file_and_the_json_path(app, tmp_path, start):
    file = zipkin(tmp_path / "t.json", start)

    with pytest.raises(TraceFormatError, match=r"t\.json: \$\[0\]\.timestamp: "):
        import_file(import_desk(app), file)
