"""Answer the incident questions: the map's own, and those weighing more than one window."""

from __future__ import annotations

import argparse
from functools import partial

from bot.bootstrap import App
from bot.usecases.maintenance import plan_maintenance
from bot.usecases.map_questions import Answer, ask_map, map_of, redacted_question
from bot.usecases.risk import traffic_maps, weigh_risks
from topology.errors import UsageError


def ask(app: App, args: argparse.Namespace) -> Answer:
    """Answer the question `args.command` names, its services named as the map names them."""
    if args.command == "risk":
        args = redacted_question(app.redaction, args)
        windows, risk = weigh_risks(app, args, traffic_maps(app, live=args.at is None))
        return Answer("risk", windows, risk)
    if args.command == "simulate" and (args.length or args.suggest):
        if not args.length:
            raise UsageError("--suggest needs --for, the length of the maintenance")
        args = redacted_question(app.redaction, args)
        read = partial(map_of, app, live=args.at is None)
        windows, planned = plan_maintenance(app, args, read)
        return Answer("simulate", windows, planned)
    return ask_map(app, args)
