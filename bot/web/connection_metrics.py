"""`/metrics` of the connections the server closed before reading a request, by why."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from bot.web.connections import Counts

REASONS = ("headers_late", "made_room", "turned_away")
"""The `reason` label's values: the fields of `Counts`, one per way a connection is closed."""


class ClosedConnections(Collector):
    """The counts of a server's `ConnectionLimits`, read at each scrape."""

    def __init__(self, counts: Counts) -> None:
        self._counts = counts

    def collect(self) -> Iterator[CounterMetricFamily]:
        """One counter, labelled by reason: the header deadline, or the connection cap."""
        closed = CounterMetricFamily(
            "svcmap_http_connections_closed",
            "Connections closed before a request was read, by reason: headers_late (answered "
            "408, its headers not in by SVCMAP_HTTP_HEADER_TIMEOUT), made_room (waiting for a "
            "request, closed to make room under SVCMAP_HTTP_MAX_CONNECTIONS), turned_away "
            "(answered 503 on arrival, every connection busy).",
            labels=["reason"],
        )
        for reason in REASONS:
            closed.add_metric([reason], getattr(self._counts, reason))
        yield closed
