"""Which schema revision is the newest: read from the migration files' names, no Alembic."""

from __future__ import annotations

import re
from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
"""The Alembic script directory shipped with the package."""

MIGRATION_FILE = re.compile(r"r(?P<revision>\d{4})_\w+\.py")
"""How a migration's file is named: `r` and its revision, four digits counting up (r0007_...)."""

VERSION_TABLE = "alembic_version"
"""The table where Alembic keeps the revision a database is at."""


def head_revision() -> str:
    """The newest migration's revision, read from the migration files' names."""
    found = (MIGRATION_FILE.fullmatch(path.name) for path in (MIGRATIONS / "versions").iterdir())
    return max(match["revision"] for match in found if match)
