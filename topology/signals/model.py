"""Log records and metric points as the core reads them: no raw attribute values kept."""

from __future__ import annotations

from dataclasses import dataclass, field

MINUTE = 60

MAX_TIME_NS = 7_258_118_400 * 1_000_000_000
"""2200-01-01 in Unix nanoseconds: a record stamped later is refused, not stored."""


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One log record: its service, minute, normalised level, body (cut) and digest.

    The digest identifies the record (time, severity, ids and whole body) so that a
    record imported or received again is counted once.
    """

    service: str
    minute: int
    level: str
    body: str
    digest: int


@dataclass(frozen=True, slots=True)
class MetricPoint:
    """One value of a metric of a service in a minute (a gauge, a rate, a mean)."""

    service: str
    name: str
    minute: int
    value: float


@dataclass(slots=True)
class Refusals:
    """Records or points refused one by one (absurd times, values not numbers), and why."""

    count: int = 0
    reason: str | None = None

    def add(self, reason: str) -> None:
        """Count one more refused, remembering the first reason."""
        self.count += 1
        if self.reason is None:
            self.reason = reason


@dataclass(slots=True)
class LogExport:
    """The usable log records of one document or export, and those refused."""

    records: list[LogRecord] = field(default_factory=list)
    refused: Refusals = field(default_factory=Refusals)


@dataclass(slots=True)
class MetricExport:
    """The usable metric points of one document or export, those refused and those skipped."""

    points: list[MetricPoint] = field(default_factory=list)
    refused: Refusals = field(default_factory=Refusals)
    skipped: int = 0
    """Data points of no use (histograms without sums, first points of cumulative sums)."""


def minute_of_ns(time_ns: int) -> int:
    """The start, in Unix seconds, of the minute holding `time_ns`."""
    seconds = time_ns // 1_000_000_000
    return seconds - seconds % MINUTE
