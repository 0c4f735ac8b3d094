"""Client spans acknowledged and still waiting for their server spans.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_spans",
        sa.Column("trace_id", sa.Text(), nullable=False),
        sa.Column("span_key", sa.Text(), nullable=False),
        sa.Column("until_s", sa.BigInteger(), nullable=False),
        sa.Column("span", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("trace_id", "span_key"),
    )
    op.create_index("ix_pending_spans_until", "pending_spans", ["until_s"])


def downgrade() -> None:
    op.drop_index("ix_pending_spans_until", table_name="pending_spans")
    op.drop_table("pending_spans")
