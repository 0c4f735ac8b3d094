"""People's display names, read with `users.info` and kept for a while."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)

TTL_S = 3_600.0
"""How long a display name is used before it is read again."""
KEPT = 1_000
"""Names kept at most; past it the oldest read is forgotten."""
NAME_CHARS = 80
"""A display name is cut to this many characters."""


class DisplayNames:
    """User ID -> display name (else real name), cached for `TTL_S`; None when unreadable."""

    def __init__(self, client: WebClient, clock: Callable[[], float], ttl_s: float = TTL_S) -> None:
        self._client = client
        self._clock = clock
        self._ttl_s = ttl_s
        self._known: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def of(self, user: str) -> str | None:
        """The name `user` shows in Slack, or None when Slack does not say (or cannot be asked)."""
        now = self._clock()
        with self._lock:
            cached = self._known.get(user)
        if cached is not None and now - cached[0] < self._ttl_s:
            return cached[1]
        try:
            response = self._client.users_info(user=user)
        except (SlackApiError, SlackClientError, OSError) as error:
            log.warning("cannot read the name of a Slack user: %s", type(error).__name__)
            return None
        found = response.get("user")
        name = shown_name(found) if isinstance(found, dict) else None
        with self._lock:
            if len(self._known) >= KEPT:
                self._known.pop(next(iter(self._known)))
            self._known[user] = (now, name)
        return name


def shown_name(user: dict[str, object]) -> str | None:
    """A `users.info` user's display name, else real name: printable, cut short; or None."""
    profile = user.get("profile")
    fields = profile if isinstance(profile, dict) else {}
    for candidate in (fields.get("display_name"), fields.get("real_name"), user.get("real_name")):
        if isinstance(candidate, str):
            text = "".join(c for c in candidate if c.isprintable()).strip()[:NAME_CHARS].strip()
            if text:
                return text
    return None
