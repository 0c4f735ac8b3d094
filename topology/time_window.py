"""Which record times svcmap stores: a window around now, wider for imported files.

Live records (pushed over OTLP, pulled from sources) must fall within the minute
retention before now and a clock skew after it: older ones would be compacted at once,
later ones would sit in the future where retention never reaches them. Imported files
may hold history, so they only have to be after 1970 and at most a day ahead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from topology.model import Span
from topology.signals.model import LogExport, MetricExport

DAY = 86_400
MAX_CLOCK_SKEW_S = 600
"""How far ahead of now a live record may be stamped by default."""
IMPORT_AHEAD_S = DAY
"""How far ahead of now a record in an imported file may be stamped."""
_US = 1_000_000


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Unix seconds a record's time must fall within, both ends included."""

    earliest_s: int
    latest_s: int
    reason: str
    """Why a record outside the window is refused."""

    def admits(self, time_s: int) -> bool:
        """Whether a record at `time_s` may be stored."""
        return self.earliest_s <= time_s <= self.latest_s

    def admits_minute(self, minute_s: int) -> bool:
        """Whether a record in the minute starting at `minute_s` may be stored."""
        return self.earliest_s - self.earliest_s % 60 <= minute_s <= self.latest_s


def live_window(now_s: int, *, retention_s: int, skew_s: int = MAX_CLOCK_SKEW_S) -> TimeWindow:
    """The window of pushed or pulled records at `now_s`."""
    reason = (
        f"a time older than the minute retention ({retention_s}s) "
        f"or more than {skew_s}s ahead of now"
    )
    return TimeWindow(now_s - retention_s, now_s + skew_s, reason)


def import_window(now_s: int) -> TimeWindow:
    """The window of records in an imported file at `now_s`: any history, a day ahead."""
    return TimeWindow(0, now_s + IMPORT_AHEAD_S, "a time before 1970 or more than a day ahead")


def spans_within(spans: Iterable[Span], window: TimeWindow) -> tuple[list[Span], int]:
    """The spans `window` admits (one with no start counts now), and how many it refused."""
    kept: list[Span] = []
    refused = 0
    # `window.admits(start // _US)`, for whole microseconds, without a call per span.
    earliest_us, until_us = window.earliest_s * _US, (window.latest_s + 1) * _US
    for span in spans:
        start = span.start_us
        if start is None or earliest_us <= start < until_us:
            kept.append(span)
        else:
            refused += 1
    return kept, refused


def restrict_logs(export: LogExport, window: TimeWindow) -> None:
    """Refuse, and count, the records of `export` in minutes `window` does not admit."""
    kept = [record for record in export.records if window.admits_minute(record.minute)]
    for _ in range(len(export.records) - len(kept)):
        export.refused.add(window.reason)
    export.records = kept


def restrict_metrics(export: MetricExport, window: TimeWindow) -> None:
    """Refuse, and count, the points of `export` in minutes `window` does not admit."""
    kept = [point for point in export.points if window.admits_minute(point.minute)]
    for _ in range(len(export.points) - len(kept)):
        export.refused.add(window.reason)
    export.points = kept
