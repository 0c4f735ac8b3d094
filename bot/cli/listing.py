"""`svcmap edges`: every edge in a window and its numbers, as a table or JSON."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from bot.render.templating import render
from bot.usecases.listing import busiest_edges, edge_to_dict
from bot.usecases.windows import Window

if TYPE_CHECKING:
    from bot.adapters.store.ports import MapStore
    from bot.bootstrap import App


def list_edges_command(app: App, args: argparse.Namespace) -> str:
    """The edges of the window `args` gives, for a terminal or as JSON."""
    return edges_text(app.store, app.now(), args)


def edges_text(store: MapStore, now: int, args: argparse.Namespace) -> str:
    """The edges `store` holds in the window `args` gives (ending `now` without `--at`)."""
    window = Window.ending_at(args.at, args.window, now=now)
    edges = busiest_edges(store, window)
    if args.json:
        return json.dumps([edge_to_dict(edge) for edge in edges], indent=2, ensure_ascii=False)
    rows = [
        (
            e.parent,
            e.child,
            e.calls,
            e.errors,
            round(e.error_rate * 100, 2),
            e.latency.quantile_ms(0.5),
            e.latency.quantile_ms(0.95),
        )
        for e in edges
    ]
    heading = f"{len(edges)} edges, {window.describe()}"
    return render("cli/edges.txt.j2", {"heading": heading, "edges": rows})
