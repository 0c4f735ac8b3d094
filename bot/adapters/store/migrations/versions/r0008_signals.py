"""Evidence from OTLP logs and metrics: per service and minute counts, templates, metric means.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose: a new severity needs its own revision.
LEVELS = ("trace", "debug", "info", "warn", "error", "fatal", "unset")


def upgrade() -> None:
    op.create_table(
        "log_minutes",
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("start", sa.BigInteger(), autoincrement=False, nullable=False),
        *(sa.Column(level, sa.BigInteger(), nullable=False) for level in LEVELS),
        sa.PrimaryKeyConstraint("service", "start"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_log_minutes_start", "log_minutes", ["start"])
    op.create_table(
        "log_templates",
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("service", "id"),
    )
    op.create_table(
        "log_template_minutes",
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("start", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("template", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("service", "start", "template"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_log_template_minutes_start", "log_template_minutes", ["start"])
    op.create_table(
        "seen_logs",
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("start", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("digests", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("service", "start"),
    )
    op.create_index("ix_seen_logs_start", "seen_logs", ["start"])
    op.create_table(
        "metric_names",
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("service", "id"),
        sa.UniqueConstraint("service", "name", name="uq_metric_names_name"),
    )
    op.create_table(
        "metric_minutes",
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("metric", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("start", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("total", sa.Double(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("service", "metric", "start"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_metric_minutes_start", "metric_minutes", ["start"])
    op.create_table(
        "signal_drops",
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("service", "what"),
    )


def downgrade() -> None:
    for table, index in (
        ("signal_drops", None),
        ("metric_minutes", "ix_metric_minutes_start"),
        ("metric_names", None),
        ("seen_logs", "ix_seen_logs_start"),
        ("log_template_minutes", "ix_log_template_minutes_start"),
        ("log_templates", None),
        ("log_minutes", "ix_log_minutes_start"),
    ):
        if index is not None:
            op.drop_index(index, table_name=table)
        op.drop_table(table)
