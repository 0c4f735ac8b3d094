"""Keys redacted and still told apart: the redacted form, tagged with a keyed digest.

An identity read from outside (Alertmanager's group key, an alert's fingerprint) may
hold what redaction hides (`{"instance": "10.0.3.7:9100"}` in a group key): it is kept
and sent redacted. Two keys redacted alike would then be one, so a key that redaction
changes is tagged with a keyed digest of it as it came (` ~` and `TAG_LETTERS` lower-case
letters, about 94 bits): the same key is the same tagged form on every replica and after
every restart, different keys stay apart, and the digest, keyed, gives no way to guess
the hidden value back. A key redaction leaves alone is kept as it is, so its identity is
what it was before redaction reached keys. A tagged key whose redacted part redacts to
itself is already redacted, and is kept: a notification redacted before it was queued
is the same group when it is worked.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable

TAG_LETTERS = 20
"""Letters of the tag; letters only, so that no redaction rule (numbers, hex ids) reads it."""
_TAGGED = re.compile(rf" ~[a-z]{{{TAG_LETTERS}}}\Z")


def kept_apart(text: str, redact: Callable[[str], str], key: bytes) -> str:
    """`text` as `redact` shows it; tagged with its keyed digest when that changes it."""
    tagged = _TAGGED.search(text)
    if tagged is not None:
        head = text[: tagged.start()]
        if redact(head) == head:
            return text
    shown = redact(text)
    if shown == text:
        return text
    return f"{shown} ~{tag(text, key)}"


def tag(text: str, key: bytes) -> str:
    """`TAG_LETTERS` lower-case letters from the HMAC-SHA256 of `text` under `key`."""
    number = int.from_bytes(hmac.new(key, text.encode(), hashlib.sha256).digest(), "big")
    letters = []
    for _ in range(TAG_LETTERS):
        number, at = divmod(number, 26)
        letters.append(chr(ord("a") + at))
    return "".join(letters)
