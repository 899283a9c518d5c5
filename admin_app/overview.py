"""Figures for the administrator's overview: services on each site, their use, totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from admin_app.service_catalogue import site_services
from models.db import session_scope
from models.linked_accounts import count_by_service
from models.sign_in_events import counts_since, daily
from models.sites import host_names_of, list_sites
from models.tables import utcnow
from models.users import count_groups, count_users


@dataclass(frozen=True)
class SiteSummary:
    id: str
    name: str
    host_names: list[str]
    is_default: bool
    individual_settings: bool


@dataclass
class ServiceSummary:
    service_id: str
    provider_id: str
    title: str  # a message id or the administrator's name
    enabled_on: dict[str, bool] = field(default_factory=dict)  # site id -> switched on
    incomplete_on: list[str] = field(default_factory=list)  # sites where it is on but unset
    linked: int = 0
    signed_in_24h: int = 0
    failed_24h: int = 0
    signed_in_7d: int = 0
    failed_7d: int = 0


@dataclass(frozen=True)
class Dashboard:
    users: int
    active_users: int
    groups: int
    links: int
    sites: list[SiteSummary]
    services: list[ServiceSummary]
    daily: list[tuple[str, int, int]]  # day, successful sign-ins, failed ones (7 days)


def dashboard() -> Dashboard:
    now = utcnow()
    with session_scope() as session:
        sites = list_sites(session)
        linked = count_by_service(session)
        last_day = counts_since(session, now - timedelta(days=1))
        last_week = counts_since(session, now - timedelta(days=7))
        totals = (
            count_users(session),
            count_users(session, active_only=True),
            count_groups(session),
        )
        week = daily(session, 7, now=now)
    services: dict[str, ServiceSummary] = {}
    for site in sites:
        for service in site_services(site.id):
            summary = services.setdefault(
                service.service_id,
                ServiceSummary(service.service_id, service.provider.id, service.title),
            )
            summary.enabled_on[site.id] = service.enabled
            if service.enabled and not service.configured:
                summary.incomplete_on.append(site.name)
    for summary in services.values():
        summary.linked = linked.get(summary.service_id, 0)
        summary.signed_in_24h = last_day.get((summary.service_id, True), 0)
        summary.failed_24h = last_day.get((summary.service_id, False), 0)
        summary.signed_in_7d = last_week.get((summary.service_id, True), 0)
        summary.failed_7d = last_week.get((summary.service_id, False), 0)
    return Dashboard(
        users=totals[0],
        active_users=totals[1],
        groups=totals[2],
        links=sum(linked.values()),
        sites=[
            SiteSummary(s.id, s.name, host_names_of(s), s.is_default, s.individual_settings)
            for s in sites
        ],
        services=list(services.values()),
        daily=week,
    )
