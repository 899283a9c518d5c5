"""service configurations (common and per site) and activity options

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 19:47:30.774738
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    activity_options = op.create_table(
        "activity_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("send_activity", sa.Boolean(), nullable=False),
        sa.Column("hashtags", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_options")),
    )
    op.create_table(
        "service_configs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("service_id", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("secrets", sa.JSON(), nullable=False),
        sa.Column("endpoints", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_configs")),
        sa.UniqueConstraint("scope", "service_id", name=op.f("uq_service_configs_scope")),
    )
    op.bulk_insert(activity_options, [{"id": 1, "send_activity": False, "hashtags": []}])


def downgrade() -> None:
    op.drop_table("service_configs")
    op.drop_table("activity_options")
