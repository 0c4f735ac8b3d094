"""Minute edge buckets by callee: reading the calls into some nodes only.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_edge_buckets_child_resolution_start",
        "edge_buckets",
        ["child", "resolution", "start"],
    )


def downgrade() -> None:
    op.drop_index("ix_edge_buckets_child_resolution_start", table_name="edge_buckets")
