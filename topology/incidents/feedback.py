"""Answers to "Was this the cause?" on an incident's post: what one press records (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    """A responder's answer about one ranked candidate."""

    YES = "yes"
    NO = "no"


@dataclass(frozen=True, slots=True)
class Answer:
    """`verdict` on whether `candidate` was the cause."""

    candidate: str
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class Feedback:
    """One person's stored answer about one candidate of an incident, and when."""

    incident_id: int
    user: str
    candidate: str
    verdict: str
    at: int

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data, as `svcmap incidents --json` shows it."""
        return {
            "user": self.user,
            "candidate": self.candidate,
            "verdict": self.verdict,
            "at": self.at,
        }


def answers_of(
    ranked: Sequence[str], candidate: str | None, verdict: Verdict
) -> tuple[Answer, ...] | None:
    """What a press records: its verdict on `candidate`, or on every one of `ranked`.

    `candidate` None ("none of these") is a no on each ranked candidate. None when the
    candidate is not one of `ranked`, or nothing was ranked: such a press is refused.
    """
    if candidate is None:
        if verdict is not Verdict.NO or not ranked:
            return None
        return tuple(Answer(name, Verdict.NO) for name in dict.fromkeys(ranked))
    if candidate not in ranked:
        return None
    return (Answer(candidate, verdict),)
