"""Which findings to post, keep, and close: a finding is posted once while it lasts.

A finding is keyed by its subject and metric. It opens when first seen (or seen again
after it closed), is posted once (tried again each pass until it is) unless its key is
muted, and closes at the first pass that has not found it for `CLOSE_AFTER_S`: a rise
that dips under its rule for a pass or two, as a noisy series does near a threshold,
and comes back is the same finding, not a new one to post again. A mute outlives the
finding, so a finding back within the mute is not posted either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from topology.warnings.model import Finding, Metric

Key = tuple[str, Metric]
"""A finding's subject and metric."""
CLOSE_AFTER_S = 900
"""How long an open finding may go unfound before it closes: three passes at the default
five minutes, fifteen of the demo's one-minute passes."""


@dataclass(frozen=True, slots=True)
class KeptWarning:
    """A finding as kept: when it opened, was last seen, was posted; its mute."""

    finding: Finding
    opened_at: int
    seen_at: int
    posted_at: int | None = None
    closed_at: int | None = None
    muted_until: int | None = None

    @property
    def key(self) -> Key:
        """Its subject and metric."""
        return (self.finding.subject, self.finding.metric)

    @property
    def open(self) -> bool:
        """Whether the last pass still found it."""
        return self.closed_at is None

    def muted(self, now: int) -> bool:
        """Whether it is muted at `now`."""
        return self.muted_until is not None and now < self.muted_until


@dataclass(frozen=True, slots=True)
class Pass:
    """What one pass changes: the warnings to write, and which of them to post."""

    writes: tuple[KeptWarning, ...]
    post: tuple[Key, ...]


def track(
    kept: Mapping[Key, KeptWarning],
    findings: Iterable[Finding],
    now: int,
    *,
    close_after_s: int = CLOSE_AFTER_S,
) -> Pass:
    """The changes a pass at `now` finding `findings` makes to the `kept` warnings.

    An open warning not found closes once it was last seen `close_after_s` or more ago.
    """
    writes: list[KeptWarning] = []
    post: list[Key] = []
    found: set[Key] = set()
    for finding in findings:
        key = (finding.subject, finding.metric)
        found.add(key)
        before = kept.get(key)
        if before is not None and before.open:
            writes.append(replace(before, finding=finding, seen_at=now))
            if before.posted_at is None and not before.muted(now):
                post.append(key)  # its post failed: tried again
            continue
        muted_until = None if before is None else before.muted_until
        warning = KeptWarning(finding, opened_at=now, seen_at=now, muted_until=muted_until)
        writes.append(warning)
        if not warning.muted(now):
            post.append(key)
    for key, before in kept.items():
        if before.open and key not in found and now - before.seen_at >= close_after_s:
            writes.append(replace(before, closed_at=now))
    return Pass(tuple(writes), tuple(post))
