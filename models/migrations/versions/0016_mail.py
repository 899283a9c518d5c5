"""e-mail: verified addresses, the mail outbox, links sent by mail, pending sign-ups

Users gain ``email_verified`` and ``awaiting_email_proof`` (registered with the form, to
prove the address before the first sign-in); only a verified address stays unique (a partial unique
index), so the unique constraint on every address goes. An address is marked verified
where a linked service already vouched for that exact address. Registration options
gain how a registered address is verified and whether a service's newcomer must give one.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_text = sqlmodel.sql.sqltypes.AutoString


def _when(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("email_verified", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column(
                "awaiting_email_proof", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.drop_constraint("uq_users_email_lower", type_="unique")
        batch.create_index("ix_users_email_lower", ["email_lower"])
    op.execute(
        sa.text(
            "UPDATE users SET email_verified = :yes WHERE email_lower IS NOT NULL AND EXISTS ("
            " SELECT 1 FROM linked_accounts l WHERE l.user_id = users.id"
            " AND l.email_verified = :yes AND lower(l.email) = users.email_lower)"
        ).bindparams(yes=True)
    )
    op.create_index(
        "ux_users_verified_email",
        "users",
        ["email_lower"],
        unique=True,
        sqlite_where=sa.text("email_verified"),
        postgresql_where=sa.text("email_verified"),
    )
    with op.batch_alter_table("registration_options") as batch:
        batch.add_column(
            sa.Column(
                "email_verification", _text(length=10), nullable=False, server_default="before"
            )
        )
        batch.add_column(
            sa.Column("require_email", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "mail_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", _text(length=254), nullable=False),
        sa.Column("kind", _text(length=40), nullable=False),
        sa.Column("language", _text(length=5), nullable=False),
        sa.Column("subject", _text(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("status", _text(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at"),
        sa.Column("claimed_by", _text(length=40), nullable=True),
        _when("claimed_until", nullable=True),
        sa.Column("last_problem", _text(length=500), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_messages")),
    )
    op.create_index("ix_mail_messages_next_attempt_at", "mail_messages", ["next_attempt_at"])
    op.create_table(
        "pending_signups",
        sa.Column("id", _text(length=64), nullable=False),
        sa.Column("kind", _text(length=20), nullable=False),
        sa.Column("browser_binding", _text(length=64), nullable=False),
        sa.Column("service_id", _text(length=50), nullable=False),
        sa.Column("site_id", _text(length=20), nullable=False),
        sa.Column("next_path", _text(length=2000), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", _text(length=254), nullable=False),
        _when("created_at"),
        _when("expires_at"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_pending_signups_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_signups")),
    )
    op.create_index("ix_pending_signups_expires_at", "pending_signups", ["expires_at"])
    op.create_table(
        "mail_links",
        sa.Column("token_hash", _text(length=64), nullable=False),
        sa.Column("purpose", _text(length=30), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", _text(length=254), nullable=False),
        sa.Column("browser_binding", _text(length=64), nullable=False),
        sa.Column("pending_id", _text(length=64), nullable=True),
        _when("created_at"),
        _when("expires_at"),
        _when("used_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_mail_links_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pending_id"],
            ["pending_signups.id"],
            name=op.f("fk_mail_links_pending_id_pending_signups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_mail_links")),
    )
    op.create_index("ix_mail_links_user_id", "mail_links", ["user_id"])
    op.create_index("ix_mail_links_expires_at", "mail_links", ["expires_at"])
    op.create_table(
        "rate_counts",
        sa.Column("key", _text(length=300), nullable=False),
        _when("window_started_at"),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_counts")),
    )
    op.create_index("ix_rate_counts_window_started_at", "rate_counts", ["window_started_at"])


def downgrade() -> None:
    op.drop_table("rate_counts")
    op.drop_table("mail_links")
    op.drop_table("pending_signups")
    op.drop_table("mail_messages")
    with op.batch_alter_table("registration_options") as batch:
        batch.drop_column("require_email")
        batch.drop_column("email_verification")
    op.drop_index("ux_users_verified_email", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_email_lower")
        batch.create_unique_constraint("uq_users_email_lower", ["email_lower"])
        batch.drop_column("awaiting_email_proof")
        batch.drop_column("email_verified")
