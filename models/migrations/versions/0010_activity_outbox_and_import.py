"""activity outbox, the hashtag import job, and imported posts once per site

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("feed_posts", schema=None) as batch_op:
        batch_op.drop_constraint("uq_feed_posts_source", type_="unique")
        batch_op.create_unique_constraint(
            "uq_feed_posts_site_id", ["site_id", "source", "external_id"]
        )
        batch_op.create_index("ix_feed_posts_source_id", ["source", "id"], unique=False)
    op.create_table(
        "activity_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at"),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        _when("claimed_until", nullable=True),
        sa.Column("maybe_published", sa.Boolean(), nullable=False),
        sa.Column("problem", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("external_url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["linked_accounts.id"],
            name=op.f("fk_activity_deliveries_link_id_linked_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["feed_posts.id"],
            name=op.f("fk_activity_deliveries_post_id_feed_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_deliveries")),
        sa.UniqueConstraint("post_id", "link_id", name=op.f("uq_activity_deliveries_post_id")),
    )
    with op.batch_alter_table("activity_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activity_deliveries_link_id"), ["link_id"], unique=False
        )
        batch_op.create_index(
            "ix_activity_deliveries_status_next_attempt_at",
            ["status", "next_attempt_at"],
            unique=False,
        )
    state = op.create_table(
        "hashtag_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        _when("lease_until", nullable=True),
        _when("last_started_at", nullable=True),
        _when("last_finished_at", nullable=True),
        sa.Column("last_imported", sa.Integer(), nullable=False),
        sa.Column("total_imported", sa.Integer(), nullable=False),
        sa.Column("last_errors", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hashtag_import")),
    )
    op.bulk_insert(
        state,
        [
            {
                "id": 1,
                "lease_owner": "",
                "lease_until": None,
                "last_started_at": None,
                "last_finished_at": None,
                "last_imported": 0,
                "total_imported": 0,
                "last_errors": [],
            }
        ],
    )
    op.create_table(
        "import_cursors",
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("since_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        _when("not_before", nullable=True),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["linked_accounts.id"],
            name=op.f("fk_import_cursors_link_id_linked_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("link_id", name=op.f("pk_import_cursors")),
    )


def downgrade() -> None:
    op.drop_table("import_cursors")
    op.drop_table("hashtag_import")
    with op.batch_alter_table("activity_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_deliveries_status_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_activity_deliveries_link_id"))
    op.drop_table("activity_deliveries")
    # an X post imported into several sites' feeds: the older schema keeps one copy
    op.execute(
        "DELETE FROM feed_posts WHERE external_id IS NOT NULL AND id NOT IN "
        "(SELECT MIN(id) FROM feed_posts WHERE external_id IS NOT NULL "
        "GROUP BY source, external_id)"
    )
    with op.batch_alter_table("feed_posts", schema=None) as batch_op:
        batch_op.drop_index("ix_feed_posts_source_id")
        batch_op.drop_constraint("uq_feed_posts_site_id", type_="unique")
        batch_op.create_unique_constraint("uq_feed_posts_source", ["source", "external_id"])
