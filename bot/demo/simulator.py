"""Run the demo shop: requests arrive at a steady random rate, their spans go to svcmap.

Its services' log lines go too, each minute's once the minute is over, and the errors
of a fault of exceptions as they happen: over OTLP/HTTP, as a Collector sends them.
"""

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
from bot.demo.logs import NS_PER_MINUTE, DemoLog, exception_logs, minute_logs
from bot.demo.otlp import export_logs, export_request
from bot.demo.shop import DEFAULT_SEED
from bot.demo.traces import DemoSpan, build_trace

TRACES_PATH = "/v1/traces"
LOGS_PATH = "/v1/logs"
LOG_SEED = 0x1065
"""Mixed into the seed of the log lines' randomness, so that the spans' stay as they were."""
NOT_TAKEN = frozenset({404, 405, 415})
"""Answers of a svcmap that takes no logs: the demo stops sending them."""
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
        self._log_rng = random.Random(traffic.seed ^ LOG_SEED)  # noqa: S311 - the same
        self._logged_ns = 0
        self._logs_taken = True
        self.sent_logs = 0
        self._rules = AlertRules()
        self._cursor_ns = 0
        self._evaluated_ns = 0
        self._pending: list[DemoSpan] = []
        self.sent_spans = 0

    def spans_between(
        self, start_ns: int, end_ns: int, faults: Mapping[str, Fault] | None = None
    ) -> list[DemoSpan]:
        """The spans of the requests arriving in `[start_ns, end_ns)`, under `faults`.

        Without `faults`, under those in force now; a fault acts on the requests arriving
        from the time it was put in force.
        """
        faults = self._board.current() if faults is None else faults
        spans: list[DemoSpan] = []
        moment = start_ns + self._gap_ns()
        while moment < end_ns:
            active = {
                service: fault
                for service, fault in faults.items()
                if fault.since is None or moment >= fault.since * NS
            }
            spans.extend(build_trace(self._rng, moment, active))
            moment += self._gap_ns()
        return spans

    def backfill(self) -> None:
        """Send `history_s` of healthy traffic up to now, and learn its normal latencies.

        Requests before `resume_s` are learnt from but not sent.
        """
        end = int(self._clock() * NS)
        start = end - self._traffic.history_s * NS
        resume = int(self._traffic.resume_s * NS)
        self._logged_ns = start - start % NS_PER_MINUTE
        for begin in range(start, end, BATCH_S * NS):
            batch_end = min(end, begin + BATCH_S * NS)
            spans = self.spans_between(begin, batch_end, faults={})
            self._rules.learn(spans)
            late = {
                span.trace_id for span in spans if not span.parent_id and span.start_ns >= resume
            }
            self._send([span for span in spans if span.trace_id in late])
            self._send_logs(self._minutes_over(batch_end, since_ns=resume))
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
        self._send_logs(exception_logs(spans) + self._minutes_over(now, since_ns=0))

    def run(self, stop: threading.Event) -> None:
        """Once svcmap answers, backfill, then step every `tick_s` until `stop` is set."""
        while not self._ready():
            if stop.wait(self._traffic.tick_s):
                return
        try:
            self.backfill()
        except httpx.HTTPError as error:
            log.error("demo: could not send its history to svcmap: %s", error)  # noqa: TRY400 - svcmap away is expected: one line, no traceback
            self._cursor_ns = self._evaluated_ns = int(self._clock() * NS)
            self._logged_ns = self._cursor_ns - self._cursor_ns % NS_PER_MINUTE
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

    def _minutes_over(self, now_ns: int, *, since_ns: int) -> list[DemoLog]:
        """The log lines of the minutes over by `now_ns` and not yet made.

        Those of minutes before `since_ns` are made (the randomness moves on), not kept.
        """
        lines: list[DemoLog] = []
        while self._logged_ns + NS_PER_MINUTE <= now_ns:
            made = minute_logs(self._log_rng, self._logged_ns)
            if self._logged_ns >= since_ns:
                lines.extend(made)
            self._logged_ns += NS_PER_MINUTE
        return lines

    def _send_logs(self, lines: list[DemoLog]) -> None:
        if not lines or not self._logs_taken:
            return
        answer = self._client.post(
            LOGS_PATH, content=export_logs(lines), headers={"content-type": PROTOBUF}
        )
        if answer.status_code in NOT_TAKEN:
            log.warning("demo: svcmap takes no logs at %s (%d)", LOGS_PATH, answer.status_code)
            self._logs_taken = False
            return
        answer.raise_for_status()
        self.sent_logs += len(lines)

    def _send(self, spans: list[DemoSpan]) -> None:
        if not spans:
            return
        answer = self._client.post(
            TRACES_PATH, content=export_request(spans), headers={"content-type": PROTOBUF}
        )
        answer.raise_for_status()
        self.sent_spans += len(spans)
