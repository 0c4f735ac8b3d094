"""Idempotency keys: the 64-bit hashes under which imported calls are remembered."""

from __future__ import annotations

from hashlib import blake2b

_SERVED = b"served"


def call_key(key: str) -> int:
    """The signed 64-bit key remembering a `Call.key`."""
    return int.from_bytes(blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def served_key(key: str) -> int:
    """The signed 64-bit key remembering a `Served.key`, apart from call keys."""
    # A served request and the call it answered may carry the same span key; the
    # personalisation keeps their hashes apart so that one never hides the other.
    digest = blake2b(key.encode(), digest_size=8, person=_SERVED).digest()
    return int.from_bytes(digest, "big", signed=True)
