"""`/metrics` of the OTLP receiver's pairing memory: the spans it keeps to link traces."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.usecases.recent_traces import RecentTraces


class PairingMemory(Collector):
    """Gauges read from the receiver's recent traces at each scrape."""

    def __init__(self, recent: RecentTraces) -> None:
        self._recent = recent

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The spans kept to pair, and the traces holding a client span waiting."""
        yield GaugeMetricFamily(
            "svcmap_otlp_recent_spans",
            "Spans of recent traces the OTLP receiver keeps to pair with their trace's next "
            "spans (none of a service refused by the caps on new names).",
            value=len(self._recent),
        )
        yield GaugeMetricFamily(
            "svcmap_otlp_waiting_traces",
            "Recent traces holding a client span that waits for its server span.",
            value=self._recent.waiting,
        )
