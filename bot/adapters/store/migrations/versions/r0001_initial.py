"""Initial schema: nodes, per-minute edge and service buckets, seen call keys, imports.

Revision ID: 0001
Revises:
Create Date: 2026-05-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose: a later change of topology.stats.HISTOGRAM_SIZE needs its own revision.
HISTOGRAM_SIZE = 16


def histogram() -> list[sa.Column[int]]:
    return [
        sa.Column(f"h{index}", sa.BigInteger(), nullable=False) for index in range(HISTOGRAM_SIZE)
    ]


def upgrade() -> None:
    op.create_table(
        "nodes",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("virtual", sa.Boolean(), nullable=False),
        sa.Column("first_seen", sa.BigInteger(), nullable=False),
        sa.Column("last_seen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "edge_buckets",
        sa.Column("parent", sa.Text(), nullable=False),
        sa.Column("child", sa.Text(), nullable=False),
        sa.Column("resolution", sa.Integer(), autoincrement=False, nullable=False),
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
        sa.PrimaryKeyConstraint("parent", "child", "resolution", "start"),
    )
    op.create_index("ix_edge_buckets_resolution_start", "edge_buckets", ["resolution", "start"])
    op.create_table(
        "service_buckets",
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("resolution", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("start", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("requests", sa.BigInteger(), nullable=False),
        sa.Column("errors", sa.BigInteger(), nullable=False),
        sa.Column("lat_sum_ms", sa.Double(), nullable=False),
        sa.Column("lat_count", sa.BigInteger(), nullable=False),
        *histogram(),
        sa.PrimaryKeyConstraint("service", "resolution", "start"),
    )
    op.create_index(
        "ix_service_buckets_resolution_start", "service_buckets", ["resolution", "start"]
    )
    op.create_table(
        "seen_calls",
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_seen_calls_start", "seen_calls", ["start"])
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("spans", sa.Integer(), nullable=False),
        sa.Column("calls_new", sa.Integer(), nullable=False),
        sa.Column("calls_duplicate", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("imports")
    op.drop_index("ix_seen_calls_start", table_name="seen_calls")
    op.drop_table("seen_calls")
    op.drop_index("ix_service_buckets_resolution_start", table_name="service_buckets")
    op.drop_table("service_buckets")
    op.drop_index("ix_edge_buckets_resolution_start", table_name="edge_buckets")
    op.drop_table("edge_buckets")
    op.drop_table("nodes")
