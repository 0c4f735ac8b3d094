"""Zipkin v2: services and traces (a list of traces, each a list of spans)."""

from __future__ import annotations

import httpx

from bot.adapters.sources import fetch, wire
from topology.model import Span
from topology.parsing import TraceFormat

_US_PER_MS = 1_000


def parse_services(data: bytes, *, source: str) -> list[str]:
    """The services of a `GET /api/v2/services` answer (a JSON list of names)."""
    return wire.decode(data, list[str], source=source)


def parse_traces(data: bytes, *, source: str) -> list[Span]:
    """The spans of a `GET /api/v2/traces` answer (a list of traces, each a list of spans)."""
    return wire.spans(data, source=source, fmt=TraceFormat.ZIPKIN)


def window_ms(start_us: int, end_us: int) -> tuple[int, int]:
    """Zipkin's `endTs` and `lookback` (milliseconds) covering two epoch-microsecond instants."""
    end_ms = -(-end_us // _US_PER_MS)
    return end_ms, max(0, end_ms - start_us // _US_PER_MS)


class ZipkinTraceSource:
    """Services and traces of a Zipkin server, through the caller's client."""

    def __init__(self, client: httpx.Client, *, name: str = "zipkin") -> None:
        self.name = name
        self._client = client

    def services(self) -> list[str]:
        """The services Zipkin knows."""
        path = "/api/v2/services"
        _, body = fetch.get(self._client, path, source=self.name)
        return parse_services(body, source=f"{self.name}: GET {path}")

    def traces(self, *, start_us: int, end_us: int, limit: int) -> list[Span]:
        """The spans of up to `limit` traces per service, concatenated service by service."""
        path = "/api/v2/traces"
        end_ms, lookback_ms = window_ms(start_us, end_us)
        found: list[Span] = []
        for service in self.services():
            params: dict[str, str | int] = {
                "serviceName": service,
                "endTs": end_ms,
                "lookback": lookback_ms,
                "limit": limit,
            }
            _, body = fetch.get(self._client, path, source=self.name, params=params)
            found.extend(parse_traces(body, source=f"{self.name}: GET {path} ({service})"))
        return found
