"""Who acknowledged an incident, and posts keyed within their kind (thread replies).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("acknowledged_by", sa.Text(), nullable=True))
        batch.add_column(sa.Column("acknowledged_at", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("key", sa.Text(), nullable=False, server_default=""))
        batch.drop_constraint("uq_notifications_once", type_="unique")
        batch.create_unique_constraint(
            "uq_notifications_once", ["incident_id", "channel", "kind", "key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint("uq_notifications_once", type_="unique")
        batch.create_unique_constraint("uq_notifications_once", ["incident_id", "channel", "kind"])
        batch.drop_column("key")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("acknowledged_at")
        batch.drop_column("acknowledged_by")
