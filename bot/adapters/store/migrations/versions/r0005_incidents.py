"""Incidents opened by alerts, their alerts, and the pages and posts each one sends.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("resolved_at IS NULL")


def _sending_columns(*unique: str) -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Text(), nullable=False) for name in unique),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", sa.BigInteger(), nullable=True),
        sa.Column("next_attempt_at", sa.BigInteger(), nullable=True),
        sa.Column("claimed_until", sa.BigInteger(), nullable=True),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("group_hash", sa.Text(), nullable=False),
        sa.Column("group_key", sa.Text(), nullable=False),
        sa.Column("receiver", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("symptom", sa.Text(), nullable=True),
        sa.Column("cause", sa.Text(), nullable=True),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("resolved_at", sa.BigInteger(), nullable=True),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("paged_team", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("snapshot", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["merged_into"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index(
        "ux_incidents_open_group",
        "incidents",
        ["group_hash"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index("ix_incidents_opened_at", "incidents", ["opened_at"])
    op.create_table(
        "incident_alerts",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("ends_at", sa.BigInteger(), nullable=True),
        sa.Column("alertname", sa.Text(), nullable=True),
        sa.Column("service", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("labels", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("incident_id", "fingerprint", "starts_at"),
    )
    for table, unique, extra in (
        ("pages", ("service", "action"), [sa.Column("dedup_key", sa.Text(), nullable=False)]),
        (
            "notifications",
            ("channel", "kind"),
            [
                sa.Column("ref", sa.Text(), nullable=True),
                sa.Column("url", sa.Text(), nullable=True),
            ],
        ),
    ):
        op.create_table(
            table,
            *_sending_columns(*unique),
            *extra,
            sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("incident_id", *unique, name=f"uq_{table}_once"),
        )
        op.create_index(f"ix_{table}_state", table, ["state"])


def downgrade() -> None:
    for table in ("notifications", "pages"):
        op.drop_index(f"ix_{table}_state", table_name=table)
        op.drop_table(table)
    op.drop_table("incident_alerts")
    op.drop_index("ix_incidents_opened_at", table_name="incidents")
    op.drop_index("ux_incidents_open_group", table_name="incidents")
    op.drop_table("incidents")
