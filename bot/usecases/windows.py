"""Which stored buckets a question looks at: a window ending at `--at`."""

from __future__ import annotations

from dataclasses import dataclass

from topology.timespec import format_time


@dataclass(frozen=True, slots=True)
class Window:
    """Buckets starting in [start, end); None leaves that side open."""

    start: int | None = None
    end: int | None = None

    @classmethod
    def ending_at(cls, at: int | None, length: int | None, *, now: int) -> Window:
        """The window of `length` seconds ending at `at` (everything up to `at` if no length).

        With neither, the window is everything stored. A bucket counts when it starts at
        or before `at`.
        """
        if at is None and length is None:
            return cls()
        end = (now if at is None else at) + 1
        return cls(end - length if length else None, end)

    def describe(self) -> str:
        """The window in words, for the heading of an answer."""
        if self.start is None:
            if self.end is None:
                return "everything stored"
            return f"everything up to {format_time(self.end - 1)}"
        if self.end is None:
            return f"since {format_time(self.start)}"
        return f"{format_time(self.start)} .. {format_time(self.end - 1)}"

    def to_dict(self) -> dict[str, int | None]:
        """Plain data for JSON output."""
        return {"start": self.start, "end": self.end}
