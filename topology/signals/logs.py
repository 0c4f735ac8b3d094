"""Log records as read from OTLP (JSON or protobuf) turned into `LogRecord`s.

Only what the store counts is kept: the service, the minute, the normalised level (read
from a structured body's field or the line's own header when the record names none) and
the body (a structured body's message), cut to `body_chars` characters before template
mining. The digest covers the time, severity, ids and the whole body, so a record sent
again is known again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from hashlib import blake2b

from topology.signals.header import split_header
from topology.signals.model import MAX_TIME_NS, LogExport, LogRecord, minute_of_ns
from topology.signals.severity import UNSET, normalised
from topology.signals.structured import structured

UNKNOWN_SERVICE = "unknown_service"
"""The service of records whose resource names none, as the OpenTelemetry SDKs say."""
HEADER_CHARS = 200
"""Characters of a body searched for a header: a time and a level fit in far fewer."""
BODY_CHARS = 4096
"""Characters of a record's body kept for template mining by default."""
WRAPPINGS = 2
"""Structured bodies read through, one inside the other: a runtime's line and the app's."""
TIME_REFUSED = "a log record's time is before 1970 or past the year 2200"


@dataclass(slots=True)
class LogReader:
    """Adds the records of one document or export to `export`, one call per record."""

    now_s: int
    body_chars: int = BODY_CHARS
    export: LogExport = field(default_factory=LogExport)

    def add(
        self,
        service: str | None,
        *,
        time_ns: int,
        observed_ns: int,
        severity: tuple[int | None, str | None],
        body: str,
        identity: bytes,
    ) -> None:
        """Add one record; `identity` holds its ids and anything else telling it apart.

        A record with no time is counted at its observed time, else at `now_s`; one
        stamped before 1970 or past `MAX_TIME_NS` is refused and counted.
        """
        export = self.export
        stamp = time_ns or observed_ns
        if not 0 <= stamp <= MAX_TIME_NS:
            export.refused.add(TIME_REFUSED)
            return
        minute = minute_of_ns(stamp) if stamp > 0 else self.now_s - self.now_s % 60
        number, text = severity
        key = b"%d|%d|%d|%s|%s|%s" % (
            time_ns,
            observed_ns,
            number or 0,
            (text or "").encode(),
            identity,
            body.encode("utf-8", "surrogatepass"),
        )
        digest = int.from_bytes(
            blake2b(key, digest_size=8, person=b"log").digest(), "little", signed=True
        )
        level, mined = _read(normalised(number, text), body)
        export.records.append(
            LogRecord(service or UNKNOWN_SERVICE, minute, level, mined[: self.body_chars], digest)
        )


def _read(level: str, body: str) -> tuple[str, str]:
    """The record's level and the text its template is mined from.

    A structured body (`structured`) gives its message, and its level when the record
    has none; else the level is the one the line's own header names (`header`). A
    structured body whose message is itself a JSON object (a container runtime's line,
    `{"log": "...", "stream": "stderr"}`, around the application's structured line, as a
    collector that reads the runtime's files without its parser sends it) is read
    through to the application's line.
    """
    for _ in range(WRAPPINGS):
        found = structured(body) if body.startswith("{") else None
        if found is None:
            break
        level = found.level if level == UNSET else level
        if found.message is None:
            break
        body = found.message
        if not body.lstrip().startswith("{"):
            break
        body = body.strip()
    if level == UNSET:
        header = split_header(body[:HEADER_CHARS])
        level = UNSET if header is None else normalised(None, header[0])
    return level, body
