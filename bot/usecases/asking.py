"""Answer the incident questions: the map's own, and those weighing more than one window."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from bot.adapters.store.slices import BudgetReads
from bot.bootstrap import App
from bot.questions import Question, Rca, Risk, Simulate
from bot.usecases.maintenance import plan_maintenance
from bot.usecases.map_questions import Answer, ask_map, map_of, redacted_question
from bot.usecases.risk import RiskDesk, traffic_maps, weigh_risks
from bot.usecases.windows import Window
from topology.errors import UsageError
from topology.graph import ServiceGraph
from topology.queries.burn import workbook_policy


def ask(app: App, question: Question) -> Answer:
    """Answer `question` (any but `rca`), its services named as the map names them."""
    question = redacted_question(app.redaction, question)
    match question:
        case Risk():
            read = risk_maps(app, live=question.at is None)
            windows, risk = weigh_risks(risk_desk(app), question, read)
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


def risk_desk(app: App) -> RiskDesk:
    """What weighing risks uses of `app`, now."""
    settings = app.settings
    policy = workbook_policy(
        settings.slo_objective,
        settings.slo_latency_ms,
        settings.burn_fast_rate,
        settings.burn_slow_rate,
    )
    return RiskDesk(
        history=BudgetReads(app.engine),
        catalog=app.catalog,
        policy=policy,
        min_share=settings.risk_min_share,
        now_s=app.now(),
    )


def risk_maps(app: App, *, live: bool) -> Callable[[Window], ServiceGraph]:
    """Maps for `weigh_risks`: one `app` already holds, else the calls of a window alone.

    `live`: windows ending now (no `--at`).
    """

    def held(window: Window) -> ServiceGraph | None:
        return app.graphs.cached(window, now=app.now() if live else None)

    return traffic_maps(held, app.store)
