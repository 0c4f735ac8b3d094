"""A responder answers "Was this the cause?" on an incident's post; it pages nobody.

The press is trusted only as far as it checks: it must come from the incident's own
post, and name a candidate that post showed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.adapters.store.incident_rows import SENT
from bot.adapters.store.ports import CauseAnswers
from topology.incidents.feedback import Answer, Verdict, answers_of


@dataclass(frozen=True, slots=True)
class Answered:
    """What the press did: the answers kept (none when refused) and what to tell the presser."""

    answers: tuple[Answer, ...]
    text: str
    incident_key: str | None = None


def answer_cause(
    log: CauseAnswers,
    incident_id: int,
    candidate: str | None,
    verdict: Verdict,
    *,
    user: str,
    message: str,
    now_s: int,
) -> Answered:
    """Keep `user`'s `verdict` on `candidate` (None: each one shown) for incident `incident_id`.

    `message` is the reference (as the notifier stores it) of the message the button was
    pressed on: it must be the incident's post. `log` is the incident log.
    """
    incident = log.incident(incident_id)
    post = log.post_of(incident_id)
    if incident is None or post is None:
        return Answered((), "that incident is not in svcmap's incident log; nothing was noted")
    if post.state != SENT or post.ref != message:
        return Answered((), "that button is not on this incident's post; nothing was noted")
    ranked = shown_candidates(post.body)
    answers = answers_of(ranked, candidate, verdict)
    if answers is None:
        return Answered((), "that service was not ranked for this incident; nothing was noted")
    log.record_answers(post.incident_id, user, answers, now_s=now_s)
    root = log.incident(post.incident_id) or incident
    return Answered(answers, _thanks(answers, root.key), root.key)


def shown_candidates(body: Mapping[str, object]) -> list[str]:
    """The services an incident post ranked, in its order."""
    items = body.get("candidates")
    if not isinstance(items, list):
        return []
    return [
        str(item["service"])
        for item in items
        if isinstance(item, dict) and isinstance(item.get("service"), str)
    ]


def _thanks(answers: tuple[Answer, ...], key: str) -> str:
    names = ", ".join(answer.candidate for answer in answers)
    if len(answers) > 1:
        return f"noted: none of {names} was the cause of incident {key}"
    (answer,) = answers
    was = "was" if answer.verdict is Verdict.YES else "was not"
    return f"noted: {answer.candidate} {was} the cause of incident {key}"
