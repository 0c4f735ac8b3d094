"""Large Zipkin, OTLP and Tempo files are imported piece by piece with the same result as whole.

Their traces may lie in parts anywhere in the file (a flat list of Zipkin spans, one
OTLP resource per service): the spans are parked on disk by trace, so that each trace
is linked whole whatever the order.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from bot.bootstrap import import_desk
from bot.usecases import importing
from bot.usecases.importing import import_file
from topology.errors import TraceFormatError

SAMPLES = Path(__file__).parents[2] / "samples" / "traces"


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of a few spans, and spans parked in several files."""
    monkeypatch.setattr(importing, "BATCH_SPANS", 7)
    monkeypatch.setattr(importing, "SPILL_PART_BYTES", 40_000)


def stored(app) -> list[tuple[str, str, int, int]]:
    return sorted((e.parent, e.child, e.calls, e.errors) for e in app.store.edges())


def zipkin_shuffled(tmp_path: Path) -> Path:
    """The Zipkin sample's spans in a random order: every trace scattered over the file."""
    spans = json.loads((SAMPLES / "shop-zipkin.json").read_text())
    random.Random(7).shuffle(spans)  # noqa: S311 - a fixed order for a test, not a secret
    path = tmp_path / "zipkin.json"
    path.write_text(json.dumps(spans))
    return path


def otlp_lines(tmp_path: Path) -> Path:
    """The OTLP sample as JSON Lines, one resource a line, in a random order."""
    groups = json.loads((SAMPLES / "shop-otlp.json").read_text())["resourceSpans"]
    random.Random(7).shuffle(groups)  # noqa: S311 - a fixed order for a test, not a secret
    path = tmp_path / "otlp.jsonl"
    path.write_text("".join(json.dumps({"resourceSpans": [group]}) + "\n" for group in groups))
    return path


def wrapped(tmp_path: Path, outer: str | None, key: str) -> Path:
    """The OTLP sample as Tempo or Jaeger api_v3 answer it: under `outer`, its list as `key`."""
    groups = json.loads((SAMPLES / "shop-otlp.json").read_text())["resourceSpans"]
    body: dict[str, object] = {key: groups}
    path = tmp_path / f"{outer}-{key}.json"
    path.write_text(json.dumps({outer: body, "status": "ok"} if outer else body))
    return path


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize(
    "write",
    [
        zipkin_shuffled,
        otlp_lines,
        lambda _: SAMPLES / "shop-otlp.json",
        lambda tmp: wrapped(tmp, None, "batches"),
        lambda tmp: wrapped(tmp, "trace", "resourceSpans"),
        lambda tmp: wrapped(tmp, "result", "resourceSpans"),
    ],
    ids=["zipkin-shuffled", "otlp-lines", "otlp", "tempo-v1", "tempo-v2", "jaeger-api-v3"],
)
def test_a_streamed_import_stores_what_a_whole_one_does(import_apps, tmp_path, write):
    path = write(tmp_path)
    whole_app, streamed_app = import_apps("whole.db"), import_apps("streamed")

    whole = import_file(import_desk(whole_app), path)
    streamed = import_file(import_desk(streamed_app), path, stream_from=0)
    again = import_file(import_desk(streamed_app), path, stream_from=0)

    assert whole.spans > 1_000
    assert streamed == whole
    assert stored(streamed_app) == stored(whole_app)
    assert stored(whole_app)
    assert again.calls_new == 0
    assert again.calls_duplicate == whole.calls_new + whole.calls_duplicate


def test_scattered_traces_are_linked_whole_only_because_they_are_parked_by_trace(
    import_apps, tmp_path, monkeypatch
):
    path = zipkin_shuffled(tmp_path)
    monkeypatch.setattr(importing, "BATCH_SPANS", 7)
    whole = import_file(import_desk(import_apps("whole.db")), path)
    monkeypatch.setattr(importing.pieces, "whole_traces", lambda _: True)

    split = import_file(import_desk(import_apps("split.db")), path, stream_from=0)

    assert split.traces > whole.traces  # linked batch by batch, a trace counts many times
    assert split.calls_new != whole.calls_new


def test_the_parked_spans_are_removed_after_the_import(import_apps, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_SPANS", 7)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(importing.tempfile, "tempdir", None)

    import_file(import_desk(import_apps("streamed")), zipkin_shuffled(tmp_path), stream_from=0)

    assert list(scratch.iterdir()) == []


@pytest.mark.usefixtures("small_batches")
def test_a_fault_on_a_late_line_stores_nothing_and_names_the_line(import_apps, tmp_path):
    path = otlp_lines(tmp_path)
    lines = path.read_text().splitlines()
    lines[-1] = lines[-1].replace('"spanId":', '"spanId": 5, "x":', 1)
    path.write_text("\n".join(lines) + "\n")
    app = import_apps("streamed")

    with pytest.raises(TraceFormatError) as caught:
        import_file(import_desk(app), path, stream_from=0)

    assert str(caught.value).startswith(f"{path}: line {len(lines)}: $.resourceSpans[0]")
    assert "spanId: expected a string, got an integer" in str(caught.value)
    assert stored(app) == []


@pytest.mark.usefixtures("small_batches")
def test_a_truncated_zipkin_file_stores_nothing(import_apps, tmp_path):
    path = zipkin_shuffled(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    app = import_apps("streamed")

    with pytest.raises(TraceFormatError, match="it ends too early"):
        import_file(import_desk(app), path, stream_from=0)
    assert stored(app) == []
    assert app.store.imports(limit=5) == []
