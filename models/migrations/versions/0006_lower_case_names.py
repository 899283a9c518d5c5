"""lower-case copies of users' names, indexed, for the administrators' user search

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 22:23:40.705080
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: rows lowered per statement: a million users take a few hundred round trips
BATCH = 5000


def _lower_existing_names() -> None:
    """Lowered in Python, as the application lowers them (SQLite's lower() is ASCII only)."""
    connection = op.get_bind()
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("first_name", sa.String),
        sa.column("last_name", sa.String),
        sa.column("first_name_lower", sa.String),
        sa.column("last_name_lower", sa.String),
    )
    update = (
        users.update()
        .where(users.c.id == sa.bindparam("row_id"))
        .values(first_name_lower=sa.bindparam("first"), last_name_lower=sa.bindparam("last"))
    )
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(users.c.id, users.c.first_name, users.c.last_name)
            .where(users.c.id > last_id)
            .order_by(users.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            update,
            [
                {
                    "row_id": row.id,
                    "first": row.first_name.lower()[:100],
                    "last": row.last_name.lower()[:100],
                }
                for row in rows
            ],
        )
        last_id = rows[-1].id


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        for name in ("first_name_lower", "last_name_lower"):
            batch_op.add_column(
                sa.Column(
                    name,
                    sqlmodel.sql.sqltypes.AutoString(length=100),
                    nullable=False,
                    server_default="",
                )
            )
    _lower_existing_names()
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index("ix_users_first_name_lower_id", ["first_name_lower", "id"])
        batch_op.create_index("ix_users_last_name_lower_id", ["last_name_lower", "id"])


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_last_name_lower_id")
        batch_op.drop_index("ix_users_first_name_lower_id")
        batch_op.drop_column("last_name_lower")
        batch_op.drop_column("first_name_lower")
