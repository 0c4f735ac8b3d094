"""Jaeger: traces through api_v3 (OTLP JSON), or v1 on older servers.

api_v3 search takes the snake_case parameter names (`query.service_name`), which
Jaeger still accepts as aliases of the camelCase ones and which older v2 releases
know; it answers 404 when nothing matches. A server whose `/api/v3/services` is 404
has no api_v3: v1 (`/api/services`, `/api/traces`, microseconds) is used instead.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import msgspec

from bot.adapters.sources import fetch, wire
from topology.errors import SourceError
from topology.model import Span
from topology.parsing import TraceFormat

_NOT_FOUND = 404
_US = 1_000_000


class _V3Services(wire.Struct):
    services: list[str] = msgspec.field(default_factory=list)


class _V1Error(wire.Struct):
    code: int = 0
    msg: str = ""


class _V1Services(wire.Struct):
    data: list[str] | None = None
    errors: list[_V1Error] | None = None


def rfc3339(epoch_us: int) -> str:
    """An epoch-microsecond instant as RFC 3339 in UTC, as api_v3 wants it."""
    seconds, micros = divmod(epoch_us, _US)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{micros:06d}Z"


def parse_v3_services(data: bytes, *, source: str) -> list[str]:
    """The services of an api_v3 `GET /api/v3/services` answer (`{}` when there are none)."""
    return wire.decode(data, _V3Services, source=source).services


def parse_v3_traces(data: bytes, *, source: str) -> list[Span]:
    """The spans of an api_v3 `GET /api/v3/traces` answer: one or more `{"result": ...}`."""
    return wire.spans(data, source=source, fmt=TraceFormat.OTLP)


def parse_v1_services(data: bytes, *, source: str) -> list[str]:
    """The services of a v1 `GET /api/services` answer."""
    answer = wire.decode(data, _V1Services, source=source)
    _refuse_errors(answer.errors, source)
    return answer.data or []


def parse_v1_traces(data: bytes, *, source: str) -> list[Span]:
    """The spans of a v1 `GET /api/traces` answer (`{"data": [traces]}`)."""
    return wire.spans(data, source=source, fmt=TraceFormat.JAEGER)


def _refuse_errors(errors: list[_V1Error] | None, source: str) -> None:
    if errors:
        said = "; ".join(f"{error.code} {error.msg}".strip() for error in errors)
        raise SourceError(
            f"{source}: the server answered with errors: {fetch.excerpt(said.encode())}"
        )


class JaegerTraceSource:
    """Services and traces of a Jaeger query service, through the caller's client."""

    def __init__(self, client: httpx.Client, *, name: str = "jaeger") -> None:
        self.name = name
        self._client = client
        self._v1: bool | None = None

    def services(self) -> list[str]:
        """The services Jaeger knows; the first call finds out which API the server has."""
        if not self._v1:
            path = "/api/v3/services"
            status, body = fetch.get(
                self._client, path, source=self.name, empty_statuses=(_NOT_FOUND,)
            )
            if status != _NOT_FOUND:
                self._v1 = False
                return parse_v3_services(body, source=f"{self.name}: GET {path}")
            self._v1 = True
        path = "/api/services"
        _, body = fetch.get(self._client, path, source=self.name)
        return parse_v1_services(body, source=f"{self.name}: GET {path}")

    def traces(self, *, start_us: int, end_us: int, limit: int) -> list[Span]:
        """The spans of up to `limit` traces per service, concatenated service by service."""
        found: list[Span] = []
        for service in self.services():
            if self._v1:
                found.extend(self._v1_traces(service, start_us, end_us, limit))
            else:
                found.extend(self._v3_traces(service, start_us, end_us, limit))
        return found

    def _v3_traces(self, service: str, start_us: int, end_us: int, limit: int) -> list[Span]:
        path = "/api/v3/traces"
        params: dict[str, str | int] = {
            "query.service_name": service,
            "query.start_time_min": rfc3339(start_us),
            "query.start_time_max": rfc3339(end_us),
            "query.search_depth": limit,
        }
        status, body = fetch.get(
            self._client, path, source=self.name, params=params, empty_statuses=(_NOT_FOUND,)
        )
        if status == _NOT_FOUND:
            return []
        return parse_v3_traces(body, source=f"{self.name}: GET {path} ({service})")

    def _v1_traces(self, service: str, start_us: int, end_us: int, limit: int) -> list[Span]:
        path = "/api/traces"
        params: dict[str, str | int] = {
            "service": service,
            "start": start_us,
            "end": end_us,
            "limit": limit,
        }
        _, body = fetch.get(self._client, path, source=self.name, params=params)
        return parse_v1_traces(body, source=f"{self.name}: GET {path} ({service})")
