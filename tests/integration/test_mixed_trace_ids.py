"""A Zipkin file mixing 64- and 128-bit ids of one trace, imported through the real path."""

import json

import pytest

from bot.bootstrap import build_app, import_desk
from bot.settings import load_settings
from bot.usecases.importing import import_file
from bot.usecases.listing import busiest_edges
from bot.usecases.windows import Window

HIGH, LOW = "463ac35c9f6413ad", "48485a3953bb6124"
START = 1_600_000_000_000_000


def frontend_calls_backend(*, client_trace=HIGH + LOW, server_trace=LOW):
    """Zipkin v2 JSON: the frontend's SERVER and CLIENT span and the backend's shared SERVER."""
    frontend = {"serviceName": "frontend"}
    return [
        {
            "traceId": client_trace,
            "id": "0000000000000001",
            "kind": "SERVER",
            "localEndpoint": frontend,
            "timestamp": START,
            "duration": 2_000,
        },
        {
            "traceId": client_trace,
            "parentId": "0000000000000001",
            "id": "0000000000000002",
            "kind": "CLIENT",
            "localEndpoint": frontend,
            "timestamp": START + 100,
            "duration": 900,
        },
        {
            "traceId": server_trace,
            "parentId": "0000000000000001",
            "id": "0000000000000002",
            "kind": "SERVER",
            "shared": True,
            "localEndpoint": {"serviceName": "backend"},
            "timestamp": START + 200,
            "duration": 700,
        },
    ]


@pytest.fixture
def make_app(database_url):
    opened = []

    def make(**settings):
        app = build_app(load_settings(database_url=database_url, **settings))
        opened.append(app)
        return app

    yield make
    for app in opened:
        app.close()


def written(tmp_path, name, spans):
    path = tmp_path / name
    path.write_text(json.dumps(spans))
    return path


def links_of(app):
    return {(e.parent, e.child): e.calls for e in busiest_edges(app.store, Window())}


def test_a_mixed_width_trace_gives_one_edge_and_a_second_import_counts_nothing(make_app, tmp_path):
    app = make_app()
    path = written(tmp_path, "mixed.json", frontend_calls_backend())

    first = import_file(import_desk(app), path)
    second = import_file(import_desk(app), path)

    assert (first.traces, first.calls_new) == (1, 1)
    assert (second.calls_new, second.calls_duplicate) == (0, 1)
    assert links_of(app) == {("frontend", "backend"): 1}


def test_the_same_trace_sent_with_64_bit_and_with_128_bit_ids_counts_once(make_app, tmp_path):
    app = make_app()
    long = frontend_calls_backend(client_trace=HIGH + LOW, server_trace=HIGH + LOW)
    short = frontend_calls_backend(client_trace=LOW, server_trace=LOW)

    import_file(import_desk(app), written(tmp_path, "long.json", long))
    again = import_file(import_desk(app), written(tmp_path, "short.json", short))
    mixed = import_file(import_desk(app), written(tmp_path, "mixed.json", frontend_calls_backend()))

    assert (again.calls_new, mixed.calls_new) == (0, 0)
    assert links_of(app) == {("frontend", "backend"): 1}


def test_with_strict_trace_ids_the_mixed_pair_does_not_link(make_app, tmp_path):
    app = make_app(strict_trace_id=True)

    result = import_file(
        import_desk(app), written(tmp_path, "mixed.json", frontend_calls_backend())
    )

    assert (result.traces, result.calls_new) == (2, 0)
    assert links_of(app) == {}
