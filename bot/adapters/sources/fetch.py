"""One GET through the caller's `httpx.Client`, every failure turned into a SourceError.

Messages name the source, the URL path and the status; never the query string, the
headers or the host, so that credentials a caller put there do not end up in logs.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime

import httpx

from bot.adapters.sources.deadline import send_within
from topology.errors import SourceError

_EXCERPT = 200
_SERVER_ERROR = 500
_TOO_MANY_REQUESTS = 429


def retryable_status(status: int) -> bool:
    """Whether asking again later may help: 429 and 5xx, not other 4xx."""
    return status == _TOO_MANY_REQUESTS or status >= _SERVER_ERROR


def retry_after_s(value: str | None, *, now: datetime | None = None) -> float | None:
    """The seconds a `Retry-After` header asks to wait (delay-seconds or HTTP-date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def excerpt(body: bytes) -> str:
    """The start of an answer's body, on one line, for an error message."""
    text = " ".join(body.decode("utf-8", "replace").split())
    return text if len(text) <= _EXCERPT else f"{text[: _EXCERPT - 3]}..."


def get(
    client: httpx.Client,
    path: str,
    *,
    source: str,
    params: Mapping[str, str | int] | None = None,
    headers: Mapping[str, str] | None = None,
    empty_statuses: Collection[int] = (),
    explain: Callable[[bytes], str | None] | None = None,
) -> tuple[int, bytes]:
    """The status and body of `GET path`; a status outside 2xx and `empty_statuses` raises.

    `source` names the backend in messages; `explain` reads what an error answer says
    (else its start is quoted). Connection errors and timeouts are retryable
    SourceErrors, as are 429 and 5xx answers (with their `Retry-After`). The client's
    timeout bounds the whole request, the answer's body included (`send_within`).
    """
    what = f"{source}: GET {path}"
    try:
        request = client.build_request("GET", path, params=params, headers=headers)
        response, body = send_within(client, request)
    except httpx.TimeoutException as error:
        raise SourceError(f"{what}: timed out ({type(error).__name__})", retryable=True) from None
    except httpx.UnsupportedProtocol:
        raise SourceError(f"{what}: the base URL's scheme is not http or https") from None
    except httpx.TransportError as error:
        message = f"{what}: {type(error).__name__}: {excerpt(str(error).encode())}"
        raise SourceError(message, retryable=True) from None
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise SourceError(f"{what}: {type(error).__name__}") from None
    status = response.status_code
    if response.is_success or status in empty_statuses:
        return status, body
    said = (explain(body) if explain else None) or excerpt(body)
    raise SourceError(
        f"{what}: HTTP {status}: {said or response.reason_phrase}",
        status=status,
        retryable=retryable_status(status),
        retry_after_s=retry_after_s(response.headers.get("retry-after")),
    )
