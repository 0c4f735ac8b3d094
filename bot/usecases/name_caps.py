"""The caps on new names as the use cases apply them: per source, refusals said once a minute."""

from __future__ import annotations

import logging

from bot.bootstrap import App
from topology.cardinality import Admission, NameGate

IMPORT_SOURCE = "import"
"""The source every `svcmap import` (of traces, logs or metrics) counts under."""
REFRESH_PREFIX = "refresh:"
"""What a pulled source's name is prefixed with where its imports are logged."""

_log = logging.getLogger(__name__)


def admission(app: App, source: str, *, rate: bool = True) -> Admission:
    """The process's caps on new names for a batch from `source`."""
    return Admission(app.names, source, rate=rate)


def say_refusals(app: App) -> None:
    """Log, one line per source, what the caps refused since the source's last line a minute ago."""
    say_refused(app.names, now_s=app.now())


def say_refused(names: NameGate, *, now_s: int) -> None:
    """As `say_refusals`, for the caps `names` at `now_s`."""
    for line in names.summaries(now_s=now_s):
        _log.warning("%s", line)
