"""The caps on new names as the use cases apply them: per source, refusals said once a minute."""

from __future__ import annotations

import logging

from topology.cardinality import Admission, NameGate

IMPORT_SOURCE = "import"
"""The source every `svcmap import` (of traces, logs or metrics) counts under."""
REFRESH_PREFIX = "refresh:"
"""What a pulled source's name is prefixed with where its imports are logged."""

_log = logging.getLogger(__name__)


def admission(names: NameGate, source: str, *, rate: bool = True) -> Admission:
    """The caps on new names `names` for a batch from `source` (`rate`: by the minute too)."""
    return Admission(names, source, rate=rate)


def say_refused(names: NameGate, *, now_s: int) -> None:
    """Log, one line per source, what the caps `names` refused since its last line a minute ago."""
    for line in names.summaries(now_s=now_s):
        _log.warning("%s", line)
