"""what an administrator's "Try it" received, until the page that shows it

Kept in the database instead of NiceGUI's per-browser storage, so that the page finds it
whichever process serves it; read and deleted once.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 06:46:33
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tried_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("browser_binding", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_tried_results_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tried_results")),
    )
    op.create_index("ix_tried_results_created_at", "tried_results", ["created_at"])
    op.create_index(
        "ix_tried_results_user_id_browser", "tried_results", ["user_id", "browser_binding"]
    )


def downgrade() -> None:
    op.drop_index("ix_tried_results_user_id_browser", table_name="tried_results")
    op.drop_index("ix_tried_results_created_at", table_name="tried_results")
    op.drop_table("tried_results")
