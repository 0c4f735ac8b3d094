"""The Nezha day's logs as structured lines, for `python -m eval.nezha --json-lines`.

Each record's body becomes one JSON object, as zap or a JSON layout writes a line: its
time, its level in lower case, its logger and its message; and the record loses its own
severity, as a container's output collected without parsing arrives. svcmap should read
the day the same way as its plain lines (`topology.signals.structured`), so the figures
should match theirs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

HEADER = re.compile(
    r"(?P<time>\S+)\s+(?P<level>TRACE|DEBUG|INFO|WARN|WARNING|ERROR|SEVERE|FATAL)\s+"
    r"(?P<logger>\S+)\s+(?P<message>.*)",
    re.DOTALL,
)
"""A raw line's header (time, level, logger) and its message, as the day's lines are."""


def restructured(files: Path, cache: Path) -> Path:
    """`files` with every logs file rewritten as structured lines, made once in `cache`.

    The traces and metrics files are linked, not copied.
    """
    out = cache / f"{files.name}-json-lines"
    done = out / ".converted"
    if done.is_file():
        return out
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(files.glob("*.json")):
        target = out / path.name
        target.unlink(missing_ok=True)
        if path.name.startswith("logs-"):
            document = json.loads(path.read_text())
            target.write_text(json.dumps(structured_document(document)))
        else:
            target.symlink_to(path.resolve())
    done.write_text(f"{files}\n")
    return out


def structured_document(document: dict[str, object]) -> dict[str, object]:
    """An OTLP logs document with each record's body a structured line and no severity."""
    for group in _items(document, "resourceLogs"):
        for scope in _items(group, "scopeLogs"):
            for record in _items(scope, "logRecords"):
                record.pop("severityText", None)
                record.pop("severityNumber", None)
                body = record.get("body")
                if isinstance(body, dict) and isinstance(body.get("stringValue"), str):
                    body["stringValue"] = as_line(body["stringValue"])
    return document


def as_line(text: str) -> str:
    """A raw line as a JSON object of its time, level, logger and message."""
    found = HEADER.fullmatch(text.strip())
    if found is None:
        return json.dumps({"message": text})
    return json.dumps(
        {
            "time": found["time"],
            "level": found["level"].lower(),
            "logger": found["logger"],
            "message": found["message"],
        }
    )


def _items(parent: object, key: str) -> list[dict[str, object]]:
    found = parent.get(key) if isinstance(parent, dict) else None
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []
