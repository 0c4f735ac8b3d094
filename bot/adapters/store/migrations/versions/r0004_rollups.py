"""Hourly and daily rollups of the edge and service buckets, filled by compaction.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose, as in 0001: a change of the histogram needs its own revision.
HISTOGRAM_SIZE = 16


def histogram() -> list[sa.Column[int]]:
    return [
        sa.Column(f"h{index}", sa.BigInteger(), nullable=False) for index in range(HISTOGRAM_SIZE)
    ]


def create_edge_rollup(name: str) -> None:
    op.create_table(
        name,
        sa.Column("parent", sa.Text(), nullable=False),
        sa.Column("child", sa.Text(), nullable=False),
        sa.Column("start", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.Column("errors", sa.BigInteger(), nullable=False),
        sa.Column("lat_sum_ms", sa.Double(), nullable=False),
        sa.Column("lat_count", sa.BigInteger(), nullable=False),
        sa.Column("client_sum_ms", sa.Double(), nullable=False),
        sa.Column("client_count", sa.BigInteger(), nullable=False),
        sa.Column("server_sum_ms", sa.Double(), nullable=False),
        sa.Column("server_count", sa.BigInteger(), nullable=False),
        *histogram(),
        sa.PrimaryKeyConstraint("parent", "child", "start"),
    )
    op.create_index(f"ix_{name}_start", name, ["start"])


def create_service_rollup(name: str) -> None:
    op.create_table(
        name,
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("start", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("requests", sa.BigInteger(), nullable=False),
        sa.Column("errors", sa.BigInteger(), nullable=False),
        sa.Column("lat_sum_ms", sa.Double(), nullable=False),
        sa.Column("lat_count", sa.BigInteger(), nullable=False),
        *histogram(),
        sa.PrimaryKeyConstraint("service", "start"),
    )
    op.create_index(f"ix_{name}_start", name, ["start"])


def upgrade() -> None:
    create_edge_rollup("edge_hours")
    create_edge_rollup("edge_days")
    create_service_rollup("service_hours")
    create_service_rollup("service_days")


def downgrade() -> None:
    # What was compacted is lost: the minutes it came from are gone.
    for name in ("service_days", "service_hours", "edge_days", "edge_hours"):
        op.drop_index(f"ix_{name}_start", table_name=name)
        op.drop_table(name)
