"""Remember imported traces, each with its call hashes, instead of every call on its own row.

seen_calls is dropped, not converted: its hashes cannot be grouped back into traces.
What a store migrated from 0001 loses is only this: calls imported before the
migration are not recognised if imported again, so re-importing old traces counts
their calls twice. The per-minute statistics themselves are kept as they were.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seen_traces",
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("calls", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_seen_traces_start", "seen_traces", ["start"])
    op.drop_index("ix_seen_calls_start", table_name="seen_calls")
    op.drop_table("seen_calls")


def downgrade() -> None:
    # The traces seen are lost: a downgraded store recognises no earlier import.
    op.create_table(
        "seen_calls",
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_seen_calls_start", "seen_calls", ["start"])
    op.drop_index("ix_seen_traces_start", table_name="seen_traces")
    op.drop_table("seen_traces")
