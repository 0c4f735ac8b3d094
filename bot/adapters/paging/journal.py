"""The sender's journals on disk: each send begun, and each one its recipient accepted.

A line is written (and synced) before a page (or post) is sent and again once PagerDuty
answered 202 (Slack gave the message's place), so a process that dies before the store
has the outcome leaves it behind: the next process records an accepted send as sent
instead of sending it again, and frees at once a send that was cut off (to send it again
with its `dedup_key`; a post once Slack was asked whether it has it) instead of waiting
for its claim to lapse. Pages and posts are kept in folders of their own. Each process
writes a file of its own, locked while it runs; a file nobody holds is a dead process's,
taken over by the next one to start.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from topology.incidents.keys import digest

log = logging.getLogger(__name__)

FOLDER = "sent-pages"
POSTS_FOLDER = "sent-posts"
LINE_CHARS = 4096
"""A journal line longer than this is not one svcmap wrote; it is skipped."""


class Step(StrEnum):
    """How far a page's send went."""

    SENDING = "sending"
    ACCEPTED = "accepted"
    DONE = "done"


PLACE_CHARS = 1024
"""Longest `ref` or `url` a line keeps (a post's place in Slack is far shorter)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One line: row `row_id`, claimed by `holder`, reached `step` at `at_s`.

    An accepted post adds where it is: `ref` (its channel and `ts`) and `url`.
    """

    row_id: int
    holder: str
    step: Step
    at_s: int
    ref: str | None = None
    url: str | None = None

    def line(self) -> bytes:
        """The entry as one JSON line."""
        data: dict[str, object] = {
            "row": self.row_id, "holder": self.holder, "step": self.step.value, "at": self.at_s
        }  # fmt: skip
        if self.ref is not None:
            data["ref"] = self.ref[:PLACE_CHARS]
        if self.url is not None:
            data["url"] = self.url[:PLACE_CHARS]
        return json.dumps(data, sort_keys=True).encode() + b"\n"


def parse_line(line: bytes) -> Entry | None:
    """The entry a line holds, or None when it is torn (a crash mid-write) or not one."""
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    row, holder, step, at = (data.get(k) for k in ("row", "holder", "step", "at"))
    steps = {s.value: s for s in Step}
    if (
        not isinstance(row, int)
        or not isinstance(at, int)
        or isinstance(row, bool)
        or isinstance(at, bool)
        or row < 0
        or at < 0
        or not isinstance(holder, str)
        or not holder
        or step not in steps
    ):
        return None
    ref, url = data.get("ref"), data.get("url")
    if not (_place(ref) and _place(url)):
        return None
    return Entry(row_id=row, holder=holder, step=steps[step], at_s=at, ref=ref, url=url)


def _place(value: object) -> bool:
    """Whether `value` is a `ref` or `url` as svcmap writes them, or absent (None)."""
    return value is None or (isinstance(value, str) and 0 < len(value) <= PLACE_CHARS)


def open_sends(lines: list[bytes]) -> list[Entry]:
    """The sends the lines leave without an outcome in the store: each row's last step."""
    last: dict[int, Entry] = {}
    for line in lines:
        entry = parse_line(line)
        if entry is None:
            continue
        if entry.step is Step.DONE:
            last.pop(entry.row_id, None)
        else:
            last[entry.row_id] = entry
    return sorted(last.values(), key=lambda e: e.row_id)


def journal_dir(database_url: str, *, data_home: Path, folder: str = FOLDER) -> Path | None:
    """Where the journals of senders to `database_url` are kept; None for a store in memory.

    In a `folder` (`sent-pages`, `sent-posts`) beside a SQLite file, named for the file
    (not after it: whatever takes the database's files by its name and a suffix leaves it
    alone); under
    `data_home` for any other database, one folder per database (named by a digest of its
    URL without the password).
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        name = url.database or ""
        if name in ("", ":memory:") or url.query.get("mode") == "memory":
            return None
        if name.startswith("file:"):
            name = name.removeprefix("file:").split("?", 1)[0]
        path = Path(name)
        return path.parent / folder / path.name
    return data_home / "svcmap" / folder / digest(url.render_as_string(), 16)


class Journal:
    """This process's journal file in `directory`, locked until `close`."""

    def __init__(self, directory: Path, holder: str) -> None:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = directory / f"{_safe(holder)}.jsonl"
        self._file = _locked(self.path)

    def adopt(self) -> list[Entry]:
        """The unfinished sends of dead processes (this one's file included), now in this one.

        They are appended here (synced) before the files they came from are removed, so a
        crash meanwhile loses none (a line copied twice reads as once).
        """
        taken = open_sends(_lines(self._file))
        dead: list[Path] = []
        for path in sorted(self.path.parent.glob("*.jsonl")):
            if path == self.path:
                continue
            try:
                held = _locked(path, wait=False)
            except BlockingIOError:
                continue  # a live process holds it
            except OSError as error:
                log.warning("skipped a page journal that cannot be opened: %s", error)
                continue
            with held:
                if not _same_file(held, path):
                    continue  # another process took it over and removed it meanwhile
                theirs = open_sends(_lines(held))
                self.write(*theirs)
                taken.extend(theirs)
                dead.append(path)
                path.unlink()
        if dead:
            named = ", ".join(map(str, dead))
            log.info("took over the page journals of stopped senders: %s", named)
        return taken

    def write(self, *entries: Entry, sync: bool = True) -> None:
        """Append `entries`, synced to disk unless `sync` is False (an outcome stored)."""
        if not entries:
            return
        self._file.write(b"".join(entry.line() for entry in entries))
        self._file.flush()
        if sync:
            os.fsync(self._file.fileno())

    def empty(self) -> None:
        """Drop every line: no send is left unfinished."""
        self._file.truncate(0)

    def close(self) -> None:
        """Release the file (left on disk for the next process when lines remain)."""
        self._file.close()


def _locked(path: Path, *, wait: bool = True) -> IO[bytes]:
    """`path` opened to append and read, with its exclusive lock.

    Raises BlockingIOError when another holds the lock and `wait` is False.
    """
    handle = path.open("a+b")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BaseException:
        handle.close()
        raise
    return handle


def _lines(handle: IO[bytes]) -> list[bytes]:
    handle.seek(0)
    lines = []
    while line := handle.readline(LINE_CHARS + 1):
        if len(line) > LINE_CHARS:
            log.warning("skipped a page journal line longer than %d bytes", LINE_CHARS)
            while line and not line.endswith(b"\n"):
                line = handle.readline(LINE_CHARS + 1)
            continue
        lines.append(line)
    return lines


def _same_file(handle: IO[bytes], path: Path) -> bool:
    try:
        return path.stat().st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False


def _safe(holder: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", holder)[:100] or "sender"
