"""Answer the incident questions: the map's own, and those weighing more than one window."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from bot.adapters.store.ports import BudgetHistory, CallMap, SeriesStore
from bot.questions import Question, Rca, Risk, Simulate
from bot.settings import Settings
from bot.usecases.graphs import GraphCache
from bot.usecases.maintenance import plan_maintenance
from bot.usecases.map_questions import Answer, ask_map, map_of, redacted_question
from bot.usecases.risk import RiskDesk, traffic_maps, weigh_risks
from bot.usecases.windows import Window
from topology.errors import UsageError
from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.queries.burn import workbook_policy
from topology.redaction import Redaction


class QuestionStore(SeriesStore, CallMap, Protocol):
    """What the questions read of the store: the map, its series, and its calls alone."""


@dataclass(frozen=True, kw_only=True)
class AskDesk:
    """What answering a question uses: the store, the maps held, the budget windows' counts.

    With who owns what, the redaction of names, the settings and the clock. It reads as a
    map question's `Asking` does, so the map's own questions take it too.
    """

    settings: Settings
    """The default window, and the objective, burn rates and share `risk` weighs by."""
    store: QuestionStore
    graphs: GraphCache
    budgets: BudgetHistory
    catalog: Catalog
    redaction: Redaction
    clock: Callable[[], float]

    def now(self) -> int:
        """The current time in Unix seconds."""
        return int(self.clock())


def ask(desk: AskDesk, question: Question) -> Answer:
    """Answer `question` (any but `rca`), its services named as the map names them."""
    question = redacted_question(desk.redaction, question)
    match question:
        case Risk():
            read = risk_maps(desk, live=question.at is None)
            windows, risk = weigh_risks(risk_desk(desk), question, read)
            return Answer("risk", windows, risk)
        case Simulate() if question.planning:
            if not question.length:
                raise UsageError("--suggest needs --for, the length of the maintenance")
            read = partial(map_of, desk, live=question.at is None)
            windows, planned = plan_maintenance(
                desk.store, desk.catalog, question, read, now_s=desk.now()
            )
            return Answer("simulate", windows, planned)
        case Rca():
            raise UsageError("rca is ranked from the store, not asked of the map")
    return ask_map(desk, question)


def risk_desk(desk: AskDesk) -> RiskDesk:
    """What weighing risks uses of `desk`, now."""
    settings = desk.settings
    policy = workbook_policy(
        settings.slo_objective,
        settings.slo_latency_ms,
        settings.burn_fast_rate,
        settings.burn_slow_rate,
    )
    return RiskDesk(
        history=desk.budgets,
        catalog=desk.catalog,
        policy=policy,
        min_share=settings.risk_min_share,
        now_s=desk.now(),
    )


def risk_maps(desk: AskDesk, *, live: bool) -> Callable[[Window], ServiceGraph]:
    """Maps for `weigh_risks`: one `desk` already holds, else the calls of a window alone.

    `live`: windows ending now (no `--at`).
    """

    def held(window: Window) -> ServiceGraph | None:
        return desk.graphs.cached(window, now=desk.now() if live else None)

    return traffic_maps(held, desk.store)
