"""Rank root causes from an incident snapshot file: read it, ask the pure core."""

from __future__ import annotations

from pathlib import Path

from topology.errors import SnapshotError, UsageError
from topology.rca import Ranking, load_snapshot, rank


def rank_snapshot_file(path: Path | None, symptom: str) -> Ranking:
    """Rank the root-cause candidates for `symptom` from the snapshot at `path`."""
    if path is None:
        raise UsageError(
            "give --snapshot FILE: ranking from the store's health series is not built yet"
        )
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SnapshotError(f"{path}: cannot read it: {error.strerror}") from None
    return rank(load_snapshot(data, source=str(path)), symptom)
