"""Turn an answered question into what Slack shows: summary, table, context, controls (pure)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.questions import Path, Question, window_of
from bot.render.templating import render_slack
from bot.slack import reruns
from bot.slack.blocks import PAGE_ACTION, AnswerView, Button
from bot.slack.incident_view import page_value
from bot.slack.mrkdwn import mention
from bot.usecases.answering import Reply
from bot.usecases.staleness import SourceStatus
from topology.timespec import format_duration

EARLIER_S = 3_600
"""How far back the "an hour earlier" button moves the question."""
EDGE_OPTIONS = 25


def answer_view(
    reply: Reply,
    question: Question,
    *,
    at: int,
    user: str | None,
    stale: Sequence[SourceStatus] = (),
    page_seal: Callable[[str], str] | None = None,
) -> AnswerView:
    """The view of `reply`, asked as `question` at `at` by `user` (a Slack user ID).

    `page_seal` (paging from Slack is on) adds "Page owners" to root-cause answers, sealed
    with what it gives for the service named (`bot.slack.seals`).
    """
    data = dict(reply.data)
    context = render_slack(
        "slack/context.md.j2", {"window_text": reply.window_text, "asked_by": mention(user)}
    )
    return AnswerView(
        summary=render_slack(f"slack/{reply.question}.md.j2", data),
        detail=reply.detail,
        context=context,
        warning=stale_warning(stale),
        buttons=buttons(reply, question, at=at) + page_buttons(reply, page_seal),
        edges=edge_options(reply, question, at=at),
        rerun=reruns.command_text(reruns.moved(question, None)),
        at=at,
    )


def stale_warning(stale: Sequence[SourceStatus]) -> str:
    """A warning naming the configured sources whose data lags, or ""."""
    late = [status for status in stale if status.configured and status.stale]
    if not late:
        return ""
    rows = [
        {
            "name": status.name,
            "lag_s": status.lag_s,
            "lag_text": None if status.lag_s is None else format_duration(status.lag_s),
            "last_error": status.last_error,
        }
        for status in late
    ]
    return render_slack("slack/stale.md.j2", {"stale": rows})


def buttons(reply: Reply, question: Question, *, at: int) -> list[Button]:
    """Drill-down buttons for `reply`; each carries the command text it asks."""
    found: list[Button] = []
    if reply.focus is not None:
        if reply.question in ("deps", "blast", "owners", "rca", "simulate", "path"):
            found.append(Button("Upstream +1 hop", reruns.deeper(question, "up", at=at)))
            found.append(Button("Downstream +1 hop", reruns.deeper(question, "down", at=at)))
        for other, label in (
            ("owners", "Owners"),
            ("blast", "Blast radius"),
            ("rca", "Root causes"),
        ):
            if other != reply.question:
                found.append(Button(label, reruns.about(question, other, at=at)))
    earlier = reruns.command_text(question, at=at - EARLIER_S)
    found.append(Button("An hour earlier", earlier))
    return [button for button in found if reruns.fits(button.command)]


def page_buttons(reply: Reply, page_seal: Callable[[str], str] | None) -> list[Button]:
    """The "Page owners" button of an `rca` answer: for its top candidate, else its symptom."""
    if page_seal is None or reply.question != "rca":
        return []
    ranking = reply.data.get("ranking")
    top = ranking[0] if isinstance(ranking, list) and ranking else None
    service = top.get("service") if isinstance(top, dict) else reply.focus
    if not isinstance(service, str) or not service:
        return []
    value = page_value(None, service, seal=page_seal(service))
    button = Button(f"Page owners of {service}"[:75], value, PAGE_ACTION, "danger")
    return [button] if reruns.fits(button.command) else []


def edge_options(reply: Reply, question: Question, *, at: int) -> list[tuple[str, str]]:
    """The busiest drawn edges, each with the command that shows its numbers."""
    if reply.graph is None or reply.focus is None:
        return []
    names = set(reply.interest) | {reply.focus}
    edges = sorted(
        (e for e in reply.graph.edges() if e.parent in names and e.child in names),
        key=lambda e: (-e.calls, e.parent, e.child),
    )
    window = window_of(question)
    options = []
    for edge in edges[:EDGE_OPTIONS]:
        shown = Path(source=edge.parent, target=edge.child, at=at, window=window)
        command = reruns.command_text(shown)
        if reruns.fits(command, reruns.OPTION_LIMIT):
            options.append((f"{edge.parent} \u2192 {edge.child}", command))
    return options
