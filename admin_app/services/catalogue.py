"""Which external services a site offers, ready to use: provider, values, redirect URI.

The one place that turns stored configuration into providers; the sign-in flow, the admin
pages and the command line all ask here. A service is offered when it is switched on, its
settings are complete, and the site's region does not hide it: the Russian services
(``REGIONAL_SERVICES``) are offered on sites of the ru, kz and by zones, elsewhere only
when the administrator shows them anyway, as the original module hides them outside its
zones. A hidden service keeps its settings; it is only not offered.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from admin_app.core import link_issuers
from admin_app.core.token_storage import secrets_of
from admin_app.services.site_urls import redirect_uri
from models.db import read_scope
from models.services import config_in_scope, configs_in_scope, scope_of
from models.sites import ZONES, default_site, list_sites
from models.tables import ConfiguredService, Site
from providers import PROVIDERS
from providers.base import Provider, ServiceConfig

#: the Russian services, by provider id: whatever the class, a service of one of these
#: providers follows the site's region. The original hides Mail.ru (both), VK, Yandex
#: and Odnoklassniki; Sber ID and T-ID came later and serve the same visitors.
REGIONAL_SERVICES = frozenset(
    {"odnoklassniki", "vkontakte", "yandex", "mailru", "mymailru", "sberid", "tid"}
)


def hides_regional_services(site: Site) -> bool:
    """Whether the site's region hides the Russian services from its visitors."""
    return site.region not in ZONES and not site.show_regional_services


def region_hides(site: Site, provider_id: str) -> bool:
    """Whether the site's region hides this provider's services from its visitors."""
    return provider_id in REGIONAL_SERVICES and hides_regional_services(site)


class UnknownSiteError(LookupError):
    """No site has this id."""


@dataclass(frozen=True)
class SiteService:
    """One service as a site has it configured (enabled or not)."""

    service_id: str
    provider: type[Provider]
    name: str  # the administrator's name for it; empty: the provider's title
    enabled: bool
    position: int
    configured: bool  # every required setting has a value
    redirect_uri: str
    config: ServiceConfig
    hidden_by_region: bool = False  # the site's region hides it (``region_hides``)

    @property
    def offered(self) -> bool:
        """Visitors of the site may use it: switched on, complete, not hidden."""
        return self.enabled and self.configured and not self.hidden_by_region

    @property
    def title(self) -> str:
        """The name to show: the administrator's, else the provider's (a message id)."""
        return self.name or self.provider.title

    @property
    def issuer(self) -> str:
        """Who vouches for this service's account ids: links record it and are found
        through it."""
        return link_issuers.identity_issuer(self.provider.id, self.config.endpoints)

    def make_provider(self) -> Provider:
        return self.provider(self.config)


def _as_site_service(site: Site, row: ConfiguredService) -> SiteService | None:
    provider = PROVIDERS.get(row.provider)
    if provider is None:  # a service this version no longer knows: offered nowhere
        return None
    values = {**row.settings, **secrets_of(row)}  # unreadable secrets: not complete
    return SiteService(
        service_id=row.service_id,
        provider=provider,
        name=row.name,
        enabled=row.enabled,
        position=row.position,
        configured=provider.is_complete(values, row.endpoints),
        redirect_uri=redirect_uri(site, row.service_id),
        config=ServiceConfig(settings=values, endpoints=dict(row.endpoints)),
        hidden_by_region=region_hides(site, provider.id),
    )


def site_services(site_id: str | None = None, *, offered_only: bool = False) -> list[SiteService]:
    """The services of a site (the default site when None) in button order; with
    ``offered_only``, just the ones its visitors may use (``SiteService.offered``)."""
    with read_scope() as session:
        site = default_site(session) if site_id is None else session.get(Site, site_id)
        if site is None:
            raise UnknownSiteError(site_id)
        services = [
            _as_site_service(site, row) for row in configs_in_scope(session, scope_of(site))
        ]
    return [
        service
        for service in services
        if service is not None and (not offered_only or service.offered)
    ]


def site_service(site_id: str, service_id: str) -> SiteService | None:
    """One service as a site has it now (None when the site has no such service); reads
    that service's row only. Raises UnknownSiteError for a site that does not exist."""
    with read_scope() as session:
        site = session.get(Site, site_id)
        if site is None:
            raise UnknownSiteError(site_id)
        return service_of_site(session, site, service_id)


def service_of_site(session: Session, site: Site, service_id: str) -> SiteService | None:
    """``site_service`` inside the caller's transaction, for a site already read."""
    row = config_in_scope(session, scope_of(site), service_id)
    return _as_site_service(site, row) if row is not None else None


def site_ids() -> list[str]:
    with read_scope() as session:
        return [site.id for site in list_sites(session)]


def services_offered_anywhere() -> set[str]:
    """The ids of the services some site offers to visitors now: a link to one of them
    is a way to sign in."""
    return {
        service.service_id
        for site_id in site_ids()
        for service in site_services(site_id, offered_only=True)
    }


def link_service(site_id: str, service_id: str) -> SiteService | None:
    """The service a link was made through, as its site has it now (the default site's
    when that site is gone): the link's tokens were issued to that client."""
    try:
        return site_service(site_id, service_id)
    except UnknownSiteError:
        with read_scope() as session:
            default = default_site(session).id
        return site_service(default, service_id)
