"""`svcmap migrate`: bring the store to the newest schema, and say which revision it is at.

Building the app already migrates (under a Postgres advisory lock, so replicas starting
together take turns); this command does only that, for a deploy step run once before them.
"""

from __future__ import annotations

import argparse

from bot.adapters.store.engine import masked, stored_revisions
from bot.bootstrap import App


def run_migrate_command(app: App, _args: argparse.Namespace) -> str:
    """Say which revision the (now migrated) store is at."""
    revisions = ", ".join(stored_revisions(app.engine))
    return f"the store at {masked(app.engine.url)} is at revision {revisions}"
