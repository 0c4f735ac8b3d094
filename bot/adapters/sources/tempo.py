"""Grafana Tempo: a TraceQL search for trace ids, then each trace by id (OTLP `batches`).

Tempo trims leading zeros off the ids its search returns; they are padded back to 32
hex digits before the trace is asked for. A trace gone between the search and the
fetch (404) is skipped. With a tenant, every request carries `X-Scope-OrgID`.
"""

from __future__ import annotations

import httpx
import msgspec

from bot.adapters.sources import fetch, wire
from topology.errors import SourceError
from topology.model import Span
from topology.parsing import TraceFormat

_NOT_FOUND = 404
_US = 1_000_000
_ID_DIGITS = 32
_HEX = frozenset("0123456789abcdef")


class _Found(wire.Struct):
    traceID: str  # noqa: N815 - the wire's name


class _Search(wire.Struct):
    traces: list[_Found] = msgspec.field(default_factory=list)


class _TagValues(wire.Struct):
    tagValues: list[str] = msgspec.field(default_factory=list)  # noqa: N815 - the wire's name


def parse_search(data: bytes, *, source: str) -> list[str]:
    """The trace ids of a `GET /api/search` answer, padded to 32 lower-case hex digits."""
    return [
        padded_id(found.traceID, source=source)
        for found in wire.decode(data, _Search, source=source).traces
    ]


def padded_id(trace_id: str, *, source: str) -> str:
    """A trace id as Tempo's `/api/traces/<id>` takes it: 32 lower-case hex digits."""
    text = trace_id.strip().lower()
    if not text or len(text) > _ID_DIGITS or not set(text) <= _HEX:
        raise SourceError(f"{source}: not a trace id: {fetch.excerpt(trace_id.encode())!r}")
    return text.rjust(_ID_DIGITS, "0")


def parse_tag_values(data: bytes, *, source: str) -> list[str]:
    """The values of a `GET /api/search/tag/<tag>/values` answer."""
    return wire.decode(data, _TagValues, source=source).tagValues


def parse_trace(data: bytes, *, source: str) -> list[Span]:
    """The spans of a `GET /api/traces/<id>` answer (OTLP JSON under `batches`)."""
    return wire.spans(data, source=source, fmt=TraceFormat.OTLP)


class TempoTraceSource:
    """Traces found by a TraceQL search in Tempo, through the caller's client."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        tenant: str | None = None,
        query: str = "{}",
        name: str = "tempo",
    ) -> None:
        self.name = name
        self.query = query
        self._client = client
        self._headers = {"Accept": "application/json"}
        if tenant is not None:
            self._headers["X-Scope-OrgID"] = tenant

    def services(self) -> list[str]:
        """The values of the `service.name` tag Tempo has seen recently."""
        path = "/api/search/tag/service.name/values"
        _, body = fetch.get(self._client, path, source=self.name, headers=self._headers)
        return parse_tag_values(body, source=f"{self.name}: GET {path}")

    def traces(self, *, start_us: int, end_us: int, limit: int) -> list[Span]:
        """The spans of up to `limit` traces matching the TraceQL query in the window."""
        path = "/api/search"
        params: dict[str, str | int] = {
            "q": self.query,
            "start": start_us // _US,
            "end": -(-end_us // _US),
            "limit": limit,
        }
        _, body = fetch.get(
            self._client, path, source=self.name, params=params, headers=self._headers
        )
        found: list[Span] = []
        for trace_id in dict.fromkeys(parse_search(body, source=f"{self.name}: GET {path}")):
            found.extend(self._trace(trace_id))
        return found

    def _trace(self, trace_id: str) -> list[Span]:
        path = f"/api/traces/{trace_id}"
        status, body = fetch.get(
            self._client,
            path,
            source=self.name,
            headers=self._headers,
            empty_statuses=(_NOT_FOUND,),
        )
        if status == _NOT_FOUND:
            return []
        return parse_trace(body, source=f"{self.name}: GET {path}")
