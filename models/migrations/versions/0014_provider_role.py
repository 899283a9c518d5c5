"""the provider role: applications of a site, signing keys, grants and their tokens

Sites gain ``subject_type`` (public or pairwise subjects for their applications); one
``provider_options`` row holds the pairwise salt, made here so every process shares it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:00:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_text = sqlmodel.sql.sqltypes.AutoString


def _when(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(
            sa.Column("subject_type", _text(length=10), nullable=False, server_default="public")
        )
    op.create_table(
        "applications",
        sa.Column("id", _text(length=20), nullable=False),
        sa.Column("site_id", _text(length=20), nullable=False),
        sa.Column("name", _text(length=100), nullable=False),
        sa.Column("kind", _text(length=20), nullable=False),
        sa.Column("client_id", _text(length=100), nullable=False),
        sa.Column("client_secret", sa.Text(), nullable=False),
        sa.Column("redirect_uris", sa.JSON(), nullable=False),
        sa.Column("post_logout_redirect_uris", sa.JSON(), nullable=False),
        sa.Column("everyone", sa.Boolean(), nullable=False),
        sa.Column("allowed_groups", sa.JSON(), nullable=False),
        _when("created_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_applications_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("client_id", name=op.f("uq_applications_client_id")),
    )
    op.create_index("ix_applications_site_id", "applications", ["site_id"])
    op.create_table(
        "signing_keys",
        sa.Column("kid", _text(length=64), nullable=False),
        sa.Column("algorithm", _text(length=10), nullable=False),
        sa.Column("private_key", sa.Text(), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        _when("created_at"),
        _when("retire_at", nullable=True),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_signing_keys")),
    )
    op.create_table(
        "provider_grants",
        sa.Column("id", _text(length=64), nullable=False),
        sa.Column("application_id", _text(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scope", _text(length=1000), nullable=False),
        sa.Column("nonce", _text(length=500), nullable=True),
        _when("auth_time"),
        sa.Column("session_hash", _text(length=64), nullable=False),
        sa.Column("locale", _text(length=10), nullable=False),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_provider_grants_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_provider_grants_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_grants")),
    )
    for column in ("application_id", "user_id", "session_hash"):
        op.create_index(f"ix_provider_grants_{column}", "provider_grants", [column])
    op.create_table(
        "provider_tokens",
        sa.Column("token_hash", _text(length=64), nullable=False),
        sa.Column("grant_id", _text(length=64), nullable=False),
        sa.Column("kind", _text(length=10), nullable=False),
        _when("expires_at"),
        _when("used_at", nullable=True),
        sa.Column("redirect_uri", _text(length=2000), nullable=False),
        sa.Column("code_challenge", _text(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["provider_grants.id"],
            name=op.f("fk_provider_tokens_grant_id_provider_grants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_provider_tokens")),
    )
    op.create_index("ix_provider_tokens_grant_id", "provider_tokens", ["grant_id"])
    op.create_index("ix_provider_tokens_expires_at", "provider_tokens", ["expires_at"])
    options = op.create_table(
        "provider_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pairwise_salt", _text(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_options")),
    )
    op.bulk_insert(options, [{"id": 1, "pairwise_salt": secrets.token_hex(32)}])


def downgrade() -> None:
    op.drop_table("provider_options")
    op.drop_table("provider_tokens")
    op.drop_table("provider_grants")
    op.drop_table("signing_keys")
    op.drop_table("applications")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("subject_type")
