"""Column names and the bucket resolution shared by the store's tables and its readers."""

from __future__ import annotations

from topology.stats import HISTOGRAM_VALUES

MINUTE = 60
"""Resolution, in seconds, of the buckets written by imports."""

HISTOGRAM_COLUMNS: tuple[str, ...] = HISTOGRAM_VALUES
"""Names of the latency histogram columns, one per bucket of `topology.stats`."""

LOG_LEVEL_COLUMNS = ("trace", "debug", "info", "warn", "error", "fatal", "unset")
"""The columns of `log_minutes` counting records of each severity, in `LEVELS`' order."""
