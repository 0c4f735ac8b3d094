"""Reading a request body within a size limit, gzip included."""

from __future__ import annotations

import zlib

from starlette.requests import Request

_GZIP_WBITS = 16 + zlib.MAX_WBITS


class BodyTooLargeError(Exception):
    """The body, as sent or once decompressed, is over the limit."""


class BadEncodingError(Exception):
    """The body cannot be decoded with its `Content-Encoding`."""


async def read_body(request: Request, *, limit: int) -> bytes:
    """The body as sent, refusing it as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


def decoded(body: bytes, encoding: str, *, limit: int) -> bytes:
    """The body decompressed as `encoding` says (identity or gzip), at most `limit` bytes."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding != "gzip":
        raise BadEncodingError(f"unsupported Content-Encoding: {encoding[:40]}")
    inflater = zlib.decompressobj(_GZIP_WBITS)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error:
        raise BadEncodingError("gzip: invalid data") from None
    if len(data) > limit or inflater.unconsumed_tail:
        raise BodyTooLargeError
    if not inflater.eof:
        raise BadEncodingError("gzip: truncated data")
    return data
