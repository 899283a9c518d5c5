"""indexes for the purge of idle sessions and unfinished round trips

Without them every sign-in scanned all sessions and all round trips in progress to find
the stale ones.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 04:13:45
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_auth_sessions_created_at", "auth_sessions", ["created_at"])
    op.create_index("ix_auth_sessions_last_seen_at", "auth_sessions", ["last_seen_at"])
    op.create_index("ix_oauth_states_created_at", "oauth_states", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_oauth_states_created_at", table_name="oauth_states")
    op.drop_index("ix_auth_sessions_last_seen_at", table_name="auth_sessions")
    op.drop_index("ix_auth_sessions_created_at", table_name="auth_sessions")
