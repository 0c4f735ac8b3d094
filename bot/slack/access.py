"""Who may ask svcmap, and who may page through it: channels and user groups (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether an action is allowed, and, when it is not, a polite reason."""

    allowed: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """Allowed channels and user groups; empty `ask_*` means everyone, empty `page_*` nobody.

    A person must pass both lists that are set: be in an allowed channel and in an
    allowed group.
    """

    ask_channels: frozenset[str] = frozenset()
    ask_groups: frozenset[str] = frozenset()
    page_channels: frozenset[str] = frozenset()
    page_groups: frozenset[str] = frozenset()

    @property
    def groups(self) -> frozenset[str]:
        """Every user group whose members the policy needs to know."""
        return self.ask_groups | self.page_groups

    def may_ask(self, user: str, channel: str, members: Mapping[str, frozenset[str]]) -> Verdict:
        """Whether `user` may ask questions in `channel`; `members` maps group to users."""
        if self.ask_channels and channel not in self.ask_channels:
            return Verdict(False, "svcmap answers only in the channels it is set up for here")
        if self.ask_groups and not _member(user, self.ask_groups, members):
            return Verdict(False, "svcmap answers only members of the user groups it allows")
        return Verdict(True)

    def may_page(self, user: str, channel: str, members: Mapping[str, frozenset[str]]) -> Verdict:
        """Whether `user` may page owners from `channel`: both lists must be set and passed."""
        asked = self.may_ask(user, channel, members)
        if not asked.allowed:
            return asked
        if not self.page_channels and not self.page_groups:
            return Verdict(False, "paging from Slack is not turned on for this workspace")
        if self.page_channels and channel not in self.page_channels:
            return Verdict(False, "paging is allowed only from the incident channels set up for it")
        if self.page_groups and not _member(user, self.page_groups, members):
            return Verdict(False, "paging is allowed only to the on-call user groups set up for it")
        return Verdict(True)


def _member(user: str, groups: frozenset[str], members: Mapping[str, frozenset[str]]) -> bool:
    return any(user in members.get(group, frozenset()) for group in groups)
