"""`/metrics` of the caps on new names: what this process refused, by source and reason."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from topology.cardinality import NameGate


class RefusedNames(Collector):
    """Counters read from the gate at each scrape; labelled by source and reason only.

    Sources are the OTLP receiver and the configured sources, reasons a fixed few: the
    names themselves, unbounded, are never label values.
    """

    def __init__(self, gate: NameGate) -> None:
        self._gate = gate

    def collect(self) -> Iterator[CounterMetricFamily]:
        """The names refused and the items (calls, spans, records, points) lost with them."""
        names = CounterMetricFamily(
            "svcmap_names_refused",
            "New service, virtual node and edge names refused by the caps on new names, "
            "by source and reason (services_cap, virtual_cap, edges_cap, new_names_rate).",
            labels=["source", "reason"],
        )
        items = CounterMetricFamily(
            "svcmap_names_refused_calls",
            "Calls, served requests, spans, log records and metric points dropped because "
            "they named a refused name or edge.",
            labels=["source", "reason"],
        )
        for (source, reason), (refused, lost) in sorted(self._gate.totals().items()):
            names.add_metric([source, reason], refused)
            items.add_metric([source, reason], lost)
        yield names
        yield items
