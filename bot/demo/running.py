"""A running demo: the fault board, the simulator and its alerts, and the thread it runs in."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import httpx

from bot.demo.alerting import AlertmanagerWebhook
from bot.demo.clock import DemoClock
from bot.demo.faults import FaultBoard
from bot.demo.simulator import Simulator


@dataclass(slots=True)
class Demo:
    """The parts of one demo, built by the composition root."""

    board: FaultBoard
    simulator: Simulator
    webhook: AlertmanagerWebhook
    client: httpx.Client
    clock: DemoClock
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start(self) -> None:
        """Run the simulator in a daemon thread until `close`."""
        self.thread = threading.Thread(
            target=self.simulator.run, args=(self.stop,), name="svcmap-demo", daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        """Stop the simulator and release its HTTP client."""
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=10)
        self.client.close()

    def state(self) -> dict[str, object]:
        """What the demo is doing: its time, faults in force, and the alerts it sent."""
        return {
            "now": int(self.clock()),
            "speed": self.clock.speed,
            "spans_sent": self.simulator.sent_spans,
            "logs_sent": self.simulator.sent_logs,
            "faults": [fault.to_dict() for fault in self.board.current().values()],
            "alerts": [delivery.to_dict() for delivery in list(self.webhook.sent)],
        }
