"""Spans a source gives stamped far from now are refused and counted, the rest stored."""

from __future__ import annotations

import json

from bot.bootstrap import refreshing
from bot.usecases.refresh import refresh_once
from tests.integration.refresh.conftest import NOW

DAY_US = 86_400 * 10**6


def zipkin_trace(trace_id: str, start_us: int) -> list[dict[str, object]]:
    return [
        {
            "traceId": trace_id,
            "id": trace_id[-16:],
            "kind": "CLIENT",
            "localEndpoint": {"serviceName": "frontend"},
            "remoteEndpoint": {"serviceName": f"cart-{trace_id[0]}"},
            "timestamp": start_us,
            "duration": 10,
        }
    ]


def test_a_pulled_span_a_day_ahead_or_past_the_retention_is_refused(make_app, servers):
    now_us = NOW * 10**6
    traces = [
        zipkin_trace("a" * 32, now_us - 30 * 10**6),
        zipkin_trace("b" * 32, now_us + DAY_US),
        zipkin_trace("c" * 32, now_us - 3 * DAY_US),
    ]
    fake = servers()
    fake.json("/api/v2/services", b'["frontend"]')
    fake.json("/api/v2/traces", json.dumps(traces).encode())
    app = make_app(zipkin_url=fake.url, retain_minutes="2d")

    report = refresh_once(refreshing(app), holder="test")

    (done,) = report.sources
    assert (done.error, done.spans, done.refused) == (None, 1, 2)
    assert done.to_dict()["refused"] == 2
    assert [(e.parent, e.child) for e in app.store.edges()] == [("frontend", "cart-a")]
