"""the issuer that vouched for each linked account

An account id ("sub") is unique only within its issuer: a link records the issuer and
is found through it, so a service pointed at another issuer never reaches the first
issuer's accounts. Existing links get their service's issuer when the app starts
(``admin_app.core.link_issuers``): the migration cannot know providers' defaults.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 21:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("linked_accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("issuer", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.drop_constraint("uq_linked_accounts_service_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_linked_accounts_service_id", ["service_id", "issuer", "external_id"]
        )
    with op.batch_alter_table("linked_accounts", schema=None) as batch_op:
        batch_op.alter_column("issuer", server_default=None)


def downgrade() -> None:
    # Two issuers' accounts with one id cannot both stay under the narrower constraint:
    # the older link is kept.
    op.execute(
        "DELETE FROM linked_accounts WHERE id IN (SELECT later.id FROM linked_accounts later "
        "JOIN linked_accounts earlier ON earlier.service_id = later.service_id "
        "AND earlier.external_id = later.external_id AND earlier.id < later.id)"
    )
    with op.batch_alter_table("linked_accounts", schema=None) as batch_op:
        batch_op.drop_constraint("uq_linked_accounts_service_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_linked_accounts_service_id", ["service_id", "external_id"]
        )
        batch_op.drop_column("issuer")
