"""Run the demo shop: requests arrive at a steady random rate, their spans go to svcmap."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from bot.demo.alerting import AlertmanagerWebhook
from bot.demo.alerts import AlertRules
from bot.demo.faults import Fault, FaultBoard
from bot.demo.otlp import export_request
from bot.demo.shop import DEFAULT_SEED
from bot.demo.traces import DemoSpan, build_trace

TRACES_PATH = "/v1/traces"
HEALTH_PATH = "/healthz"
PROTOBUF = "application/x-protobuf"
NS = 1_000_000_000
BATCH_S = 30
"""Simulated seconds of history sent per export."""
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Traffic:
    """How the shop is visited: requests per simulated second, seed, history to start with."""

    rate: float = 2.0
    seed: int = DEFAULT_SEED
    history_s: int = 1_800
    resume_s: float = 0.0
    """No history is sent before this time (Unix s): the store holds a former run's there."""
    evaluate_s: int = 60
    """Simulated seconds per evaluation of the alert rules."""
    tick_s: float = 0.5
    """Real seconds between sends."""


class Simulator:
    """Sends the shop's spans to svcmap over OTLP/HTTP and evaluates the demo's alert rules."""

    def __init__(
        self,
        client: httpx.Client,
        board: FaultBoard,
        webhook: AlertmanagerWebhook,
        *,
        clock: Callable[[], float],
        traffic: Traffic,
    ) -> None:
        self._client = client
        self._board = board
        self._webhook = webhook
        self._clock = clock
        self._traffic = traffic
        self._rng = random.Random(traffic.seed)  # noqa: S311 - simulated traffic, not secrets
        self._rules = AlertRules()
        self._cursor_ns = 0
        self._evaluated_ns = 0
        self._pending: list[DemoSpan] = []
        self.sent_spans = 0

    def spans_between(
        self, start_ns: int, end_ns: int, faults: Mapping[str, Fault] | None = None
    ) -> list[DemoSpan]:
        """The spans of the requests arriving in `[start_ns, end_ns)`, under `faults`.

        Without `faults`, under those in force now.
        """
        faults = self._board.current() if faults is None else faults
        spans: list[DemoSpan] = []
        moment = start_ns + self._gap_ns()
        while moment < end_ns:
            spans.extend(build_trace(self._rng, moment, faults))
            moment += self._gap_ns()
        return spans

    def backfill(self) -> None:
        """Send `history_s` of healthy traffic up to now, and learn its normal latencies.

        Requests before `resume_s` are learnt from but not sent.
        """
        end = int(self._clock() * NS)
        start = end - self._traffic.history_s * NS
        resume = int(self._traffic.resume_s * NS)
        for begin in range(start, end, BATCH_S * NS):
            spans = self.spans_between(begin, min(end, begin + BATCH_S * NS), faults={})
            self._rules.learn(spans)
            late = {
                span.trace_id for span in spans if not span.parent_id and span.start_ns >= resume
            }
            self._send([span for span in spans if span.trace_id in late])
        self._cursor_ns = self._evaluated_ns = end

    def step(self) -> None:
        """Send what arrived since the last step; evaluate the alert rules when one is due."""
        now = int(self._clock() * NS)
        spans = self.spans_between(self._cursor_ns, now)
        self._cursor_ns = now
        self._send(spans)
        self._pending.extend(spans)
        if now - self._evaluated_ns >= self._traffic.evaluate_s * NS:
            changes = self._rules.evaluate(self._pending, at=now // NS)
            self._pending.clear()
            self._evaluated_ns = now
            self._webhook.send(changes)

    def run(self, stop: threading.Event) -> None:
        """Once svcmap answers, backfill, then step every `tick_s` until `stop` is set."""
        while not self._ready():
            if stop.wait(self._traffic.tick_s):
                return
        try:
            self.backfill()
        except httpx.HTTPError as error:
            log.error("demo: could not send its history to svcmap: %s", error)  # noqa: TRY400
            self._cursor_ns = self._evaluated_ns = int(self._clock() * NS)
        while not stop.wait(self._traffic.tick_s):
            try:
                self.step()
            except httpx.HTTPError as error:
                log.warning("demo: could not send spans to svcmap: %s", error)

    def _ready(self) -> bool:
        try:
            return self._client.get(HEALTH_PATH).status_code == httpx.codes.OK
        except httpx.TransportError:
            return False

    def _gap_ns(self) -> int:
        return int(self._rng.expovariate(self._traffic.rate) * NS)

    def _send(self, spans: list[DemoSpan]) -> None:
        if not spans:
            return
        answer = self._client.post(
            TRACES_PATH, content=export_request(spans), headers={"content-type": PROTOBUF}
        )
        answer.raise_for_status()
        self.sent_spans += len(spans)
