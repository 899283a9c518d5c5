"""token encryption: its state, on from the start

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 23:20:00

A database created (or brought to this revision) is encrypted from now on: the row says
so, and a pass is due that seals whatever an earlier version stored in plain text (the
application runs it at start; it needs the keys, which migrations do not see). Only
``socialservices db upgrade --no-token-encryption`` leaves it off.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import context, op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    state = op.create_table(
        "encryption_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("enabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("key_ids", sa.JSON(), nullable=False),
        sa.Column("pass_key_id", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("pass_cursor", sa.Integer(), nullable=False),
        sa.Column("pass_total", sa.Integer(), nullable=False),
        sa.Column("pass_done", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_encryption_state")),
    )
    enabled = context.config.attributes.get("token_encryption", True)
    op.bulk_insert(
        state,
        [
            {
                "id": 1,
                "enabled": enabled,
                "enabled_at": None,
                "key_ids": [],
                "pass_key_id": "pending" if enabled else "",
                "pass_cursor": -1,
                "pass_total": 0,
                "pass_done": 0,
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("encryption_state")
