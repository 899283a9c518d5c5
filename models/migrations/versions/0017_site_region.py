"""sites: a region, and whether the Russian services are shown outside their zones

The Russian services (Odnoklassniki, VK, Yandex, Mail.ru, Sber ID, T-ID) are offered by
default on sites of the ru, kz and by zones and hidden elsewhere unless the administrator
shows them. Nothing an existing site offers may disappear with the upgrade, so:

- a site whose host names include one under a zone's top-level domain (.ru, .su, .рф;
  .kz, .қаз; .by, .бел), the first such in their order, gets that zone as its region:
  the Russian services are offered there as before;
- every other site (the built-in default site without host names too) gets "other" with
  ``show_regional_services`` on: it keeps offering them, and the administrator may switch
  them off on the site's page.

The column defaults say the same for a row written without a choice. The zones of the
top-level domains are copied here from ``models.sites`` as they are today: a migration
does not change when that rule later does.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_text = sqlmodel.sql.sqltypes.AutoString

_ZONE_OF_TLD = {
    "ru": "ru",
    "su": "ru",
    "xn--p1ai": "ru",
    "kz": "kz",
    "xn--80ao21a": "kz",
    "by": "by",
    "xn--90ais": "by",
}


def _region(host_names: str) -> str:
    for name in host_names.split():
        zone = _ZONE_OF_TLD.get(name.rstrip(".").rsplit(".", 1)[-1].lower())
        if zone is not None:
            return zone
    return "other"


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(
            sa.Column("region", _text(length=10), nullable=False, server_default="other")
        )
        batch.add_column(
            sa.Column(
                "show_regional_services", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )
    connection = op.get_bind()
    sites = connection.execute(sa.text("SELECT id, host_names FROM sites")).all()
    for site_id, host_names in sites:
        region = _region(host_names or "")
        if region != "other":
            connection.execute(
                sa.text(
                    "UPDATE sites SET region = :region, show_regional_services = :no WHERE id = :id"
                ).bindparams(region=region, no=False, id=site_id)
            )


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("show_regional_services")
        batch.drop_column("region")
