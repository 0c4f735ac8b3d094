"""Build one request through the demo shop as spans, faults applied (pure, seeded randomness)."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.demo.faults import Fault
from bot.demo.shop import ENTRY, OPERATIONS, ROUTES, Leaf, Operation, Publish, Rpc

NS_PER_MS = 1_000_000
INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER = 1, 2, 3, 4, 5
"""OTLP span kinds."""

Attrs = dict[str, str]


@dataclass(slots=True)
class DemoSpan:
    """A span as a service of the shop reports it."""

    trace_id: bytes
    span_id: bytes
    parent_id: bytes
    service: str
    kind: int
    name: str
    start_ns: int
    end_ns: int = 0
    error: bool = False
    attrs: Attrs = field(default_factory=dict)
    exception: bool = False
    """The service logged an exception while serving it, and answered as usual."""


class TraceBuilder:
    """Builds one trace; `faults` are the faults in force while it runs."""

    def __init__(self, rng: random.Random, faults: Mapping[str, Fault]) -> None:
        self._rng = rng
        self._faults = faults
        self._trace_bits = rng.getrandbits(128)
        self._trace_id = b""
        self._start_ns = 0
        self.spans: list[DemoSpan] = []

    def request(self, start_ns: int) -> list[DemoSpan]:
        """One visitor's request, entering at the proxy at `start_ns`."""
        # The start time is mixed into the id's low half, the half svcmap may match on, so
        # a demo run again with the same seed sends new traces, not ones the store has seen.
        self._trace_id = (self._trace_bits ^ start_ns).to_bytes(16, "big")
        self._start_ns = start_ns
        routes = [route for route, _ in ROUTES]
        route = self._rng.choices(routes, weights=[weight for _, weight in ROUTES])[0]
        operation = OPERATIONS[route]
        server = self._span(None, ENTRY, SERVER, operation.name, start_ns)
        if operation.service == ENTRY:
            server.end_ns, server.error = self._serve(server, operation)
        else:
            server.end_ns, server.error = self._rpc(server, route, server.start_ns + self._ms(0.2))
        return self.spans

    def _span(
        self, parent: DemoSpan | None, service: str, kind: int, name: str, start: int
    ) -> DemoSpan:
        span = DemoSpan(
            trace_id=self._trace_id,
            span_id=self._rng.getrandbits(64).to_bytes(8, "big"),
            parent_id=parent.span_id if parent else b"",
            service=service,
            kind=kind,
            name=name,
            start_ns=start,
        )
        self.spans.append(span)
        return span

    def _ms(self, median: float, spread: float = 0.45) -> int:
        """A lognormal duration around `median` milliseconds, in nanoseconds."""
        return max(20_000, int(median * NS_PER_MS * math.exp(self._rng.gauss(0.0, spread))))

    def _fault(self, service: str) -> tuple[bool, int]:
        """Whether `service` fails this request under its fault, and the delay it adds."""
        fault = self._faults.get(service)
        if fault is None:
            return False, 0
        added = fault.latency_at(self._start_ns)
        delay = self._ms(added, 0.2) if added else 0
        return self._rng.random() < fault.errors, delay

    def _network(self, service: str) -> int:
        """The time calls into `service` spend on the way under its fault, there and back."""
        fault = self._faults.get(service)
        return self._ms(fault.network_ms, 0.2) if fault is not None and fault.network_ms else 0

    def _throws(self, service: str) -> bool:
        """Whether `service` logs an exception serving this request, under its fault."""
        fault = self._faults.get(service)
        return fault is not None and fault.exceptions > 0 and self._rng.random() < fault.exceptions

    def _serve(self, server: DemoSpan, operation: Operation) -> tuple[int, bool]:
        """Run `operation` in `server`: its own work and steps; returns its end and error."""
        broken, delay = self._fault(operation.service)
        server.exception = self._throws(operation.service)
        cursor = server.start_ns + self._ms(operation.work_ms) + delay
        if broken:
            return cursor, True
        failed = False
        for step in operation.steps:
            if self._rng.random() >= getattr(step, "chance", 1.0):
                continue
            if isinstance(step, Rpc):
                cursor, error = self._rpc(server, step.target, cursor)
            elif isinstance(step, Leaf):
                cursor, error = self._leaf(server, step, cursor)
            else:
                cursor, error = self._publish(server, step, cursor)
            failed = failed or error
            if failed:
                break
        return cursor + self._ms(0.2), failed or self._rng.random() < operation.errors

    def _rpc(self, caller: DemoSpan, target: str, start: int) -> tuple[int, bool]:
        operation = OPERATIONS[target]
        client = self._span(caller, caller.service, CLIENT, operation.name, start)
        client.attrs["rpc.service"] = operation.service
        hop = self._network(operation.service)
        there = start + self._ms(0.3, 0.3) + hop // 2
        server = self._span(client, operation.service, SERVER, operation.name, there)
        server.end_ns, server.error = self._serve(server, operation)
        client.end_ns = server.end_ns + self._ms(0.3, 0.3) + hop - hop // 2
        client.error = server.error
        return client.end_ns, client.error

    def _leaf(self, caller: DemoSpan, leaf: Leaf, start: int) -> tuple[int, bool]:
        client = self._span(caller, caller.service, CLIENT, leaf.name, start)
        client.attrs = {"peer.service": leaf.peer, **dict(leaf.attrs)}
        broken, delay = self._fault(leaf.peer)
        client.end_ns = start + self._ms(leaf.median_ms) + delay + self._network(leaf.peer)
        client.error = broken or self._rng.random() < 0.0005  # noqa: PLR2004 - a rare blip
        return client.end_ns, client.error

    def _publish(self, caller: DemoSpan, publish: Publish, start: int) -> tuple[int, bool]:
        attrs = {
            "peer.service": "kafka",
            "messaging.system": "kafka",
            "messaging.destination.name": publish.topic,
        }
        producer = self._span(caller, caller.service, PRODUCER, f"{publish.topic} publish", start)
        producer.attrs = dict(attrs)
        broken, delay = self._fault("kafka")
        producer.end_ns = start + self._ms(2.0) + delay
        producer.error = broken
        if broken:
            return producer.end_ns, True
        for target in publish.consumers:
            operation = OPERATIONS[target]
            begin = producer.end_ns + self._ms(40.0, 0.8)
            consumer = self._span(
                producer, operation.service, CONSUMER, f"{publish.topic} process", begin
            )
            consumer.attrs = dict(attrs)
            consumer.end_ns, consumer.error = self._serve(consumer, operation)
        return producer.end_ns, False


def build_trace(rng: random.Random, start_ns: int, faults: Mapping[str, Fault]) -> list[DemoSpan]:
    """The spans of one request entering the shop at `start_ns`, under `faults`."""
    return TraceBuilder(rng, faults).request(start_ns)
