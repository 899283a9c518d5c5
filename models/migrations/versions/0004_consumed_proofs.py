"""consumed proofs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 20:23:20.576248
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consumed_proofs",
        sa.Column("proof_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("proof_key", name=op.f("pk_consumed_proofs")),
    )


def downgrade() -> None:
    op.drop_table("consumed_proofs")
