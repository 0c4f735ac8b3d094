"""A large Jaeger file is imported trace by trace, with the same result as read whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.bootstrap import import_desk
from bot.usecases import importing
from bot.usecases.importing import import_file
from tests.integration.conftest import IMPORTED_AT as NOW
from topology.errors import TraceFormatError

SAMPLE = Path(__file__).parents[2] / "samples" / "traces" / "shop-jaeger.json"


def stored(app) -> list[tuple[str, str, int, int]]:
    return sorted((e.parent, e.child, e.calls, e.errors) for e in app.store.edges())


def many_traces(tmp_path: Path, copies: int) -> Path:
    """The sample's traces, each copied under new trace ids."""
    answer = json.loads(SAMPLE.read_text())
    traces = []
    for copy in range(copies):
        for trace in answer["data"]:
            text = json.dumps(trace)
            for span in trace["spans"]:
                old = span["traceID"]
                text = text.replace(old, f"{old[:-4]}{copy:04x}")
            traces.append(json.loads(text))
    path = tmp_path / "many.json"
    path.write_text(json.dumps({"data": traces, "total": len(traces), "errors": None}))
    return path


def test_a_streamed_import_stores_what_a_whole_one_does_and_counts_once(
    import_apps, tmp_path, monkeypatch
):
    path = many_traces(tmp_path, 3)
    monkeypatch.setattr(importing, "BATCH_SPANS", 7)
    whole_app, streamed_app = import_apps("whole.db"), import_apps("streamed")

    whole = import_file(import_desk(whole_app), path)
    streamed = import_file(import_desk(streamed_app), path, stream_from=0)
    again = import_file(import_desk(streamed_app), path, stream_from=0)

    assert streamed == whole
    assert streamed.spans > 3 * 7
    assert stored(streamed_app) == stored(whole_app)
    assert again.calls_new == 0
    assert again.calls_duplicate == whole.calls_new + whole.calls_duplicate
    assert stored(streamed_app) == stored(whole_app)
    [logged_again, logged] = streamed_app.store.imports(limit=5)
    assert (logged.spans, logged.calls_new) == (whole.spans, whole.calls_new)
    assert (logged_again.spans, logged_again.calls_new) == (whole.spans, 0)


def test_a_fault_late_in_a_streamed_file_stores_nothing_of_it(import_apps, tmp_path, monkeypatch):
    path = many_traces(tmp_path, 3)
    text = path.read_text()
    key = '"startTime": '
    cut = text.rindex(key)
    path.write_text(text[:cut] + key + '"noon", "x": ' + text[cut + len(key) :])
    monkeypatch.setattr(importing, "BATCH_SPANS", 7)
    app = import_apps("streamed")

    with pytest.raises(TraceFormatError) as caught:
        import_file(import_desk(app), path, stream_from=0)

    assert str(caught.value).startswith(f"{path}: $.data[")
    assert "startTime: expected a number, got a string" in str(caught.value)
    assert stored(app) == []


def test_a_streamed_file_of_only_future_spans_is_refused_whole(import_apps, tmp_path):
    future = (NOW + 3 * 86_400) * 10**6
    span = {"traceID": "ab", "spanID": "cd", "startTime": future, "duration": 5, "processID": "p"}
    trace = {"spans": [span], "processes": {"p": {"serviceName": "a"}}}
    path = tmp_path / "future.json"
    path.write_text(json.dumps({"data": [trace]}))
    app = import_apps("streamed")

    with pytest.raises(TraceFormatError, match=r"future\.json: every span refused"):
        import_file(import_desk(app), path, stream_from=0)
    assert app.store.imports(limit=5) == []
