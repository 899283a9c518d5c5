"""Figures for the administrator's overview page."""

from __future__ import annotations

from dataclasses import dataclass

from models.db import session_scope
from models.sites import host_names_of, list_sites
from models.users import count_groups, count_users


@dataclass(frozen=True)
class SiteSummary:
    id: str
    name: str
    host_names: list[str]
    is_default: bool


@dataclass(frozen=True)
class InstallationTotals:
    users: int
    active_users: int
    groups: int
    sites: list[SiteSummary]


def installation_totals() -> InstallationTotals:
    with session_scope() as db_session:
        return InstallationTotals(
            users=count_users(db_session),
            active_users=count_users(db_session, active_only=True),
            groups=count_groups(db_session),
            sites=[
                SiteSummary(site.id, site.name, host_names_of(site), site.is_default)
                for site in list_sites(db_session)
            ],
        )
