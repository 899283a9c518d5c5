"""forward authentication and one sign-out for all

Applications gain ``hosts`` (a proxy application's host names) and
``backchannel_logout_uri``; sessions keep the browser and address they signed in from (the
person's list of sessions); ``logout_deliveries`` is the outbox of back-channel logouts.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_text = sqlmodel.sql.sqltypes.AutoString


def _when(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("hosts", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column(
                "backchannel_logout_uri", _text(length=2000), nullable=False, server_default=""
            )
        )
    with op.batch_alter_table("auth_sessions") as batch:
        batch.add_column(
            sa.Column("user_agent", _text(length=200), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("address", _text(length=64), nullable=False, server_default=""))
    op.create_table(
        "logout_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", _text(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sid", _text(length=64), nullable=False),
        sa.Column("status", _text(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at"),
        sa.Column("claimed_by", _text(length=40), nullable=True),
        _when("claimed_until", nullable=True),
        sa.Column("last_problem", _text(length=500), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_logout_deliveries_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_logout_deliveries")),
    )
    op.create_index("ix_logout_deliveries_application_id", "logout_deliveries", ["application_id"])
    op.create_index(
        "ix_logout_deliveries_next_attempt_at", "logout_deliveries", ["next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_table("logout_deliveries")
    with op.batch_alter_table("auth_sessions") as batch:
        batch.drop_column("address")
        batch.drop_column("user_agent")
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("backchannel_logout_uri")
        batch.drop_column("hosts")
