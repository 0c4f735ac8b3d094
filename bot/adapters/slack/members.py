"""Members of Slack user groups, read with `usergroups.users.list` and kept for a while."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)

TTL_S = 300.0
"""How long a group's members are trusted before they are read again."""


class GroupMembers:
    """Group -> member user IDs, cached for `TTL_S`; a group that cannot be read is empty."""

    def __init__(self, client: WebClient, clock: Callable[[], float], ttl_s: float = TTL_S) -> None:
        self._client = client
        self._clock = clock
        self._ttl_s = ttl_s
        self._known: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def of(self, groups: Iterable[str]) -> Mapping[str, frozenset[str]]:
        """The members of each of `groups`."""
        return {group: self._members(group) for group in groups}

    def _members(self, group: str) -> frozenset[str]:
        now = self._clock()
        with self._lock:
            cached = self._known.get(group)
        if cached is not None and now - cached[0] < self._ttl_s:
            return cached[1]
        try:
            response = self._client.usergroups_users_list(usergroup=group)
        except (SlackApiError, SlackClientError) as error:
            log.warning("cannot read the members of user group %s: %s", group, type(error).__name__)
            return cached[1] if cached is not None else frozenset()
        users = response.get("users")
        members = (
            frozenset(u for u in users if isinstance(u, str))
            if isinstance(users, list)
            else frozenset()
        )
        with self._lock:
            self._known[group] = (now, members)
        return members
