"""Large reads of a store on Postgres, streamed: rows turned into values as they arrive.

psycopg's `fetchmany` waits for the whole result before the first batch. In libpq 17's
chunked-rows mode (`Cursor.stream(size=...)`) the server goes on sending while each
batch is worked on (`rca` at the root of a 5,000-service map: 3.3 s -> 2.7 s,
`bench.rca_store_speed --url`). psycopg is loaded only where the store is on Postgres.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, Protocol, cast

CHUNKED_LIBPQ = 170_000
"""The first libpq (17) that hands a result over in chunks of rows."""


class _Streaming(Protocol):
    """A psycopg cursor, as far as `batches` uses it."""

    def stream(
        self, query: str, params: Sequence[Any] | Mapping[str, Any], *, size: int
    ) -> Generator[Sequence[Any], None, None]:
        """The rows of `query`, received `size` at a time."""


def chunked() -> bool:
    """Whether psycopg's libpq receives results in chunks of rows."""
    from psycopg import pq  # noqa: PLC0415 - loaded only where the store is on Postgres

    return pq.version() >= CHUNKED_LIBPQ


def batches(
    cursor: object, statement: str, parameters: Sequence[Any] | Mapping[str, Any], size: int
) -> Iterator[list[Any]]:
    """The rows of `statement` on a psycopg `cursor`, `size` at a time, as Postgres sends them.

    A read left before its end cancels the query; the connection's transaction is rolled
    back as it goes back to the pool.
    """
    rows = cast("_Streaming", cursor).stream(statement, parameters, size=size)
    try:
        while batch := list(islice(rows, size)):
            yield batch
    finally:
        rows.close()
