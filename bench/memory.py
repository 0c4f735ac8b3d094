"""The resident memory of a process and of its child processes, read from /proc."""

from __future__ import annotations

from pathlib import Path


def rss_mb(pid: int) -> float:
    """The resident memory of process `pid`, in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    kilobytes = next(line.split()[1] for line in status.splitlines() if "VmRSS" in line)
    return int(kilobytes) / 1024


def pss_mb(pid: int) -> float:
    """The proportional set size of process `pid` (pages shared split between sharers), MB."""
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    kilobytes = next(line.split()[1] for line in rollup.splitlines() if line.startswith("Pss:"))
    return int(kilobytes) / 1024


def children(pid: int) -> list[int]:
    """The child processes of `pid`."""
    return [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
