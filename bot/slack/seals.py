"""The seal on an answer's "Page owners" button: whom it pages, bound to where it was posted.

Answers are not stored, so the button of a root-cause answer carries the service whose
owners it pages, and what a press carries comes back from Slack as sent, or forged. The
seal is an HMAC-SHA256, under a key derived from the Slack signing secret, of the
channel and thread the answer was posted in and the service named: a value naming
another service, made up, or pressed in another channel or thread pages nobody.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

SEAL = re.compile(r"[A-Za-z0-9_-]{22}")
"""A seal as written: 16 bytes of the HMAC, unpadded base64url."""
_PURPOSE = b"svcmap: the page button of an answer"


class Sealer:
    """Seals and checks the page buttons of answers, under one signing secret."""

    def __init__(self, signing_secret: str, *, purpose: bytes = _PURPOSE) -> None:
        """Seal under `signing_secret` for `purpose`: the page buttons', unless another."""
        self._key = hmac.new(signing_secret.encode(), purpose, hashlib.sha256).digest()

    def seal(self, channel: str, thread: str | None, service: str) -> str:
        """The seal of a button paging `service`'s owners from an answer in `channel`/`thread`."""
        message = "\x1f".join((channel, thread or "", service)).encode()
        mac = hmac.new(self._key, message, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def holds(self, seal: str, channel: str, thread: str | None, service: str) -> bool:
        """Whether `seal` is the one of a button paging `service` from `channel`/`thread`."""
        return hmac.compare_digest(seal.encode(), self.seal(channel, thread, service).encode())


def thread_of(ts: str, thread_ts: str) -> str | None:
    """The thread a message is in: none for a message at the top (whose own ts it carries)."""
    return thread_ts if thread_ts and thread_ts != ts else None
