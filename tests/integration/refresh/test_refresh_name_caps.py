"""A refresh pass under the caps on new names: pulled traces and pulled edges alike."""

from __future__ import annotations

from bot.bootstrap import refreshing
from bot.cli.refreshing import statuses_now
from bot.usecases.refresh import refresh_once
from tests.integration.refresh.test_refresh import edge_calls, vector, zipkin  # noqa: F401 - the fixtures
from topology.cardinality import RATE


def test_pulled_traces_bring_in_no_more_new_names_than_the_budget(make_app, zipkin):  # noqa: F811 - the fixture
    app = make_app(zipkin_url=zipkin.url, new_names_per_minute=2)

    (done,) = refresh_once(refreshing(app), holder="test").sources

    assert done.error is None
    assert len(app.store.nodes()) == 2
    (refused,) = app.store.refused_names()
    assert (refused.source, refused.reason) == ("refresh:zipkin", RATE)
    assert refused.names > 0
    assert refused.items > 0
    (status,) = [s for s in statuses_now(app) if s.name == "zipkin"]
    assert [item.reason for item in status.refused] == [RATE]


def test_pulled_edges_naming_new_names_past_the_budget_are_dropped_and_counted(make_app, servers):
    prometheus = servers()
    edges = [{"client": "frontend", "server": f"svc{i}"} for i in range(5)]
    answers = [
        vector(*(({**edge, "failed": "false"}, "10") for edge in edges)),
        vector(*((edge, "0") for edge in edges)),
        vector(*(({**edge, "le": "+Inf"}, "10") for edge in edges)),
        vector(*((edge, "0.5") for edge in edges)),
        vector(*((edge, "10") for edge in edges)),
    ]
    prometheus.json_each("/api/v1/query", *(body.encode() for body in answers))
    app = make_app(prometheus_url=prometheus.url, new_names_per_minute=3)

    (done,) = refresh_once(refreshing(app), holder="test").sources

    assert done.error is None
    assert edge_calls(app) == {("frontend", "svc0"): 10, ("frontend", "svc1"): 10}
    assert done.calls_new == 20
    (refused,) = app.store.refused_names()
    assert (refused.source, refused.reason, refused.names, refused.items) == (
        "refresh:prometheus",
        RATE,
        3,
        3,
    )
