"""Idempotency keys: the 64-bit hashes under which imported traces and calls are remembered."""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable
from hashlib import blake2b

_BIG_ENDIAN = sys.byteorder == "big"
# Copying a hasher made once is cheaper than making one per key.
_TRACE = blake2b(digest_size=8, person=b"trace")
_CALL = blake2b(digest_size=8)
# A served request and the call it answered may carry the same span key; the
# personalisation keeps their hashes apart so that one never hides the other.
_SERVED = blake2b(digest_size=8, person=b"served")


def trace_keys(trace_ids: Iterable[str]) -> array[int]:
    """The signed 64-bit key remembering each trace of `trace_ids`, in order."""
    return _hashes(_TRACE, trace_ids)


def call_keys(keys: Iterable[str]) -> array[int]:
    """The signed 64-bit hash of every `Call.key` in `keys`, in order."""
    return _hashes(_CALL, keys)


def served_keys(keys: Iterable[str]) -> array[int]:
    """The signed 64-bit hash of every `Served.key` in `keys`, in order, apart from call keys."""
    return _hashes(_SERVED, keys)


def pack(hashes: Iterable[int]) -> bytes:
    """Hashes as stored: 8 bytes each, little-endian."""
    packed = array("q", hashes)
    if _BIG_ENDIAN:
        packed.byteswap()
    return packed.tobytes()


def unpack(data: bytes) -> array[int]:
    """The hashes `pack` stored (digests, read as little-endian signed integers)."""
    hashes = array("q")
    hashes.frombytes(data)
    if _BIG_ENDIAN:
        hashes.byteswap()
    return hashes


def _hashes(base: blake2b, keys: Iterable[str]) -> array[int]:
    copy = base.copy
    digests: list[bytes] = []
    append = digests.append
    for key in keys:
        hasher = copy()
        hasher.update(key.encode())
        append(hasher.digest())
    return unpack(b"".join(digests))
