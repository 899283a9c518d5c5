"""Figures for the administrator's overview: services on each site, their use, totals,
how publishing activities and importing hashtag posts are going, and whether mail goes
out (``admin.mail_settings``). A service switched on but hidden by a site's region is
said to be so, with the region: the administrator otherwise wonders where its button went."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from admin_app.admin.mail_settings import MailState
from admin_app.admin.mail_settings import state as mail_state
from admin_app.core import runtime
from admin_app.services.catalogue import site_services
from models import applications, hashtag_import, logout_deliveries, outbox
from models.db import session_scope
from models.linked_accounts import count_by_service
from models.options import activity_options
from models.sign_in_events import LastResults, counts_since, daily, latest
from models.sites import host_names_of, list_sites
from models.tables import User, utcnow
from models.users import count_groups, count_users
from providers import PROVIDERS
from providers.twitter import Twitter


@dataclass(frozen=True)
class SiteSummary:
    id: str
    name: str
    host_names: list[str]
    is_default: bool
    individual_settings: bool
    region: str
    #: the Russian services are offered although the region is outside their zones
    show_regional_services: bool


@dataclass(frozen=True)
class RegionHiding:
    """Services switched on for a site that its region hides from its visitors."""

    site_id: str
    site_name: str
    region: str
    services: list[str]  # titles (message ids or the administrator's names)


@dataclass
class ServiceSummary:
    service_id: str
    provider_id: str
    title: str  # a message id or the administrator's name
    enabled_on: dict[str, bool] = field(default_factory=dict)  # site id -> switched on
    incomplete_on: list[str] = field(default_factory=list)  # sites where it is on but unset
    hidden_on: list[str] = field(default_factory=list)  # site ids where its region hides it
    linked: int = 0
    signed_in_24h: int = 0
    failed_24h: int = 0
    signed_in_7d: int = 0
    failed_7d: int = 0
    last: LastResults | None = None  # its latest sign-in and latest failure, on any site


@dataclass(frozen=True)
class Dashboard:
    users: int
    active_users: int
    groups: int
    links: int
    sites: list[SiteSummary]
    services: list[ServiceSummary]
    daily: list[tuple[str, int, int]]  # day, successful sign-ins, failed ones (7 days)
    #: the parent domain the session cookie is shared with ("" none): worth a warning
    cookie_domain: str = ""
    #: application name -> back-channel logouts it was never told of
    failed_logouts: dict[str, int] = field(default_factory=dict)
    #: whether mail is set, what waits and what failed (None: not read)
    mail: MailState | None = None
    #: per site, the services switched on there that its region hides
    hidden_by_region: list[RegionHiding] = field(default_factory=list)


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
        results = latest(session)
        failed = logout_deliveries.failed_by_application(session)
        names = {row.id: row.name for row in applications.every_application(session)}
    services: dict[str, ServiceSummary] = {}
    hidden: list[RegionHiding] = []
    for site in sites:
        hidden_here: list[str] = []
        for service in site_services(site.id):
            summary = services.setdefault(
                service.service_id,
                ServiceSummary(service.service_id, service.provider.id, service.title),
            )
            summary.enabled_on[site.id] = service.enabled
            if service.enabled and not service.configured:
                summary.incomplete_on.append(site.name)
            if service.enabled and service.hidden_by_region:
                summary.hidden_on.append(site.id)
                hidden_here.append(service.title)
        if hidden_here:
            hidden.append(RegionHiding(site.id, site.name, site.region, hidden_here))
    for summary in services.values():
        summary.linked = linked.get(summary.service_id, 0)
        summary.signed_in_24h = last_day.get((summary.service_id, True), 0)
        summary.failed_24h = last_day.get((summary.service_id, False), 0)
        summary.signed_in_7d = last_week.get((summary.service_id, True), 0)
        summary.failed_7d = last_week.get((summary.service_id, False), 0)
        summary.last = results.get(summary.service_id)
    return Dashboard(
        users=totals[0],
        active_users=totals[1],
        groups=totals[2],
        links=sum(linked.values()),
        sites=[
            SiteSummary(
                s.id,
                s.name,
                host_names_of(s),
                s.is_default,
                s.individual_settings,
                s.region,
                s.show_regional_services,
            )
            for s in sites
        ],
        services=list(services.values()),
        daily=week,
        cookie_domain=runtime.settings().cookie_domain,
        failed_logouts={names.get(key, key): count for key, count in failed.items()},
        mail=mail_state(),
        hidden_by_region=hidden,
    )


@dataclass(frozen=True)
class FailedDelivery:
    when: datetime
    author: str
    service: str  # the service's title (a message id)
    problem: str  # a reason code of admin_app.activity.delivery_problems
    attempts: int
    detail: str  # what the service said (text)
    post: str  # the start of the post


@dataclass(frozen=True)
class ImportedPost:
    when: datetime
    author: str
    text: str
    url: str | None


@dataclass(frozen=True)
class ActivitySummary:
    send_activity: bool
    hashtags: list[str]
    #: deliveries queued in the last 7 days, by status
    deliveries: dict[str, int]
    failures: list[FailedDelivery]
    import_running: bool
    import_started_at: datetime | None
    import_finished_at: datetime | None
    last_imported: int
    total_imported: int
    #: the last round's problems: {"who", "problem", "detail"}
    import_notes: list[dict[str, str]]
    recent_imports: list[ImportedPost]


def _name(user: User) -> str:
    return f"{user.first_name} {user.last_name}".strip() or user.login


def _excerpt(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def activity_summary(failures: int = 5, imports: int = 5) -> ActivitySummary:
    now = utcnow()
    with session_scope() as session:
        options = activity_options(session)
        job = hashtag_import.state(session)
        failed = [
            FailedDelivery(
                when=delivery.updated_at,
                author=_name(author),
                service=getattr(PROVIDERS.get(delivery.service_id), "title", delivery.service_id),
                problem=delivery.problem,
                attempts=delivery.attempts,
                detail=delivery.detail,
                post=_excerpt(post.text),
            )
            for delivery, post, author in outbox.recent_failures(session, failures)
        ]
        imported = [
            ImportedPost(post.created_at, _name(author), _excerpt(post.text), post.external_url)
            for post, author in hashtag_import.recent_imports(session, Twitter.id, imports)
        ]
        return ActivitySummary(
            send_activity=options.send_activity,
            hashtags=list(options.hashtags),
            deliveries=outbox.counts_since(session, now - timedelta(days=7)),
            failures=failed,
            import_running=job.lease_until is not None and job.lease_until > now,
            import_started_at=job.last_started_at,
            import_finished_at=job.last_finished_at,
            last_imported=job.last_imported,
            total_imported=job.total_imported,
            import_notes=list(job.last_errors),
            recent_imports=imported,
        )
