"""`svcmap compact`: roll expired buckets into coarser ones once, now, and say what moved."""

from __future__ import annotations

import argparse
import json

from bot.bootstrap import App
from bot.render.templating import render
from bot.usecases.compacting import compact_once, compaction_to_dict
from topology.timespec import format_time

_TIMES = ("before", "from")


def run_compact_command(app: App, args: argparse.Namespace) -> str:
    """Compact the store once; return what to print."""
    done = compaction_to_dict(compact_once(app.store, app.settings.retention, now_s=app.now()))
    if args.json:
        return json.dumps(done, indent=2)
    shown = {
        tier: counts | {key: format_time(at) for key, at in counts.items() if key in _TIMES}
        for tier, counts in done.items()
    }
    return render("cli/compact.txt.j2", shown)
