"""Answer the incident questions: the map's own, and those weighing more than one window."""

from __future__ import annotations

from functools import partial

from bot.bootstrap import App
from bot.questions import Question, Rca, Risk, Simulate
from bot.usecases.maintenance import plan_maintenance
from bot.usecases.map_questions import Answer, ask_map, map_of, redacted_question
from bot.usecases.risk import traffic_maps, weigh_risks
from topology.errors import UsageError


def ask(app: App, question: Question) -> Answer:
    """Answer `question` (any but `rca`), its services named as the map names them."""
    question = redacted_question(app.redaction, question)
    match question:
        case Risk():
            windows, risk = weigh_risks(app, question, traffic_maps(app, live=question.at is None))
            return Answer("risk", windows, risk)
        case Simulate() if question.planning:
            if not question.length:
                raise UsageError("--suggest needs --for, the length of the maintenance")
            read = partial(map_of, app, live=question.at is None)
            windows, planned = plan_maintenance(
                app.store, app.catalog, question, read, now_s=app.now()
            )
            return Answer("simulate", windows, planned)
        case Rca():
            raise UsageError("rca is ranked from the store, not asked of the map")
    return ask_map(app, question)
