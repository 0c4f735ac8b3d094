"""`PagerDutyPager`: events to PagerDuty's Events API v2 through the caller's `httpx.Client`.

429, 5xx, timeouts and connection errors are retried with backoff (`Retry-After` first);
other answers are final. Events to one routing key are held to PagerDuty's limit.
Messages never carry the routing key.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import httpx

from bot.adapters.paging.events import accepted_key, event_body, refusal
from bot.adapters.paging.ratelimit import RateLimiter
from bot.adapters.sources.deadline import send_within
from bot.adapters.sources.fetch import excerpt, retry_after_s, retryable_status
from bot.adapters.sources.retry import TRIES, retrying
from topology.errors import PagingError
from topology.incidents.model import PageEvent

ENQUEUE = "/v2/enqueue"


class PagerDutyPager:
    """A `Pager` over PagerDuty; the client's base URL is the events host."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        limiter: RateLimiter,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        tries: int = TRIES,
    ) -> None:
        self._client = client
        self._limiter = limiter
        self._sleep = sleep
        self._jitter = jitter
        self._tries = tries

    def send(self, event: PageEvent) -> str:
        """Send `event`, retrying what may pass later; the dedup key PagerDuty keeps."""

        def attempt() -> str:
            self._limiter.acquire(event.routing_key)
            return self._post(event)

        key, _ = retrying(attempt, sleep=self._sleep, jitter=self._jitter, tries=self._tries)
        return key

    def _post(self, event: PageEvent) -> str:
        what = f"PagerDuty: {event.action.value} {event.dedup_key}"
        try:
            request = self._client.build_request("POST", ENQUEUE, json=event_body(event))
            response, body = send_within(self._client, request)
        except httpx.TimeoutException as error:
            message = f"{what}: timed out ({type(error).__name__})"
            raise PagingError(message, retryable=True) from None
        except httpx.TransportError as error:
            raise PagingError(f"{what}: {type(error).__name__}", retryable=True) from None
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise PagingError(f"{what}: {type(error).__name__}") from None
        status = response.status_code
        if response.is_success:
            return accepted_key(body) or event.dedup_key
        said = refusal(body) or excerpt(body) or response.reason_phrase
        raise PagingError(
            f"{what}: HTTP {status}: {said}",
            status=status,
            retryable=retryable_status(status),
            retry_after_s=retry_after_s(response.headers.get("retry-after")),
        )
