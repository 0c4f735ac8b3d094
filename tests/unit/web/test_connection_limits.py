"""Which connections the cap closes, and when it says so (pure: no sockets)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.web.connections import LOG_EVERY_S, ConnectionLimits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass(eq=False)
class Connection:
    """Stands in for a connection: remembers whether it was closed, and with what."""

    limits: ConnectionLimits
    closed: list[bytes | None] = field(default_factory=list)

    def hang_up(self, response: bytes | None) -> None:
        self.limits.left(self)
        self.closed.append(response)


def limits(cap: int = 3) -> tuple[ConnectionLimits, Clock]:
    clock = Clock()
    return ConnectionLimits(header_timeout_s=10, max_connections=cap, clock=clock), clock


def arrive(made: ConnectionLimits, clock: Clock, *, waiting: bool = True) -> Connection:
    clock.now += 1
    connection = Connection(made)
    assert made.arrived(connection)
    if waiting:
        made.wait(connection)
    return connection


def test_up_to_the_cap_nobody_is_closed():
    made, clock = limits()

    connections = [arrive(made, clock) for _ in range(3)]

    assert [c.closed for c in connections] == [[], [], []]
    assert (made.open, made.waiting) == (3, 3)


def test_past_the_cap_the_connection_waiting_longest_makes_room():
    made, clock = limits()
    first, second, third = (arrive(made, clock) for _ in range(3))
    made.busy(first)  # its headers are in: not to be closed
    made.busy(second)
    made.wait(second)  # answered, now idle: waiting since now

    arrive(made, clock)

    assert first.closed == []
    assert third.closed == [None]
    assert second.closed == []
    assert made.open == 3
    assert made.counts.made_room == 1


def test_a_newcomer_is_turned_away_only_when_every_connection_is_busy():
    made, clock = limits()
    busy = [arrive(made, clock) for _ in range(3)]
    for connection in busy:
        made.busy(connection)

    newcomer = Connection(made)

    assert not made.arrived(newcomer)
    assert made.open == 3
    assert made.counts.turned_away == 1
    assert all(c.closed == [] for c in busy)


def test_a_connection_that_left_frees_its_place():
    made, clock = limits()
    connections = [arrive(made, clock) for _ in range(3)]

    made.left(connections[0])
    arrive(made, clock)

    assert [c.closed for c in connections] == [[], [], []]
    assert (made.open, made.waiting) == (3, 3)


def test_what_is_closed_is_logged_at_most_once_a_minute(caplog):
    made, clock = limits(cap=16)
    caplog.set_level(logging.WARNING, "bot.web.connections")

    for _ in range(50):
        made.late()
    clock.now += LOG_EVERY_S
    made.late()

    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert lines[0].startswith("connections closed: 1 whose headers came too late")
    assert lines[1].startswith("connections closed: 50 whose headers came too late")
