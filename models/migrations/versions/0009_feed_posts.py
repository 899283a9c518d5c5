"""the live feed's posts

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 23:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feed_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("external_url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_feed_posts_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_posts")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_feed_posts_source")),
    )
    with op.batch_alter_table("feed_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_posts_author_id"), ["author_id"], unique=False)
        batch_op.create_index("ix_feed_posts_site_id_id", ["site_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feed_posts", schema=None) as batch_op:
        batch_op.drop_index("ix_feed_posts_site_id_id")
        batch_op.drop_index(batch_op.f("ix_feed_posts_author_id"))
    op.drop_table("feed_posts")
