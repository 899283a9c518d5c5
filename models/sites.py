"""Sites served by one installation, and which one a request is for."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from models.tables import Site


def host_names_of(site: Site) -> list[str]:
    return [name for name in site.host_names.split() if name]


#: the zones whose sites offer the Russian services by default, as the original module's
#: ``listServicesBlockedByZone`` has them; every other site is "other"
ZONES = ("ru", "kz", "by")
OTHER = "other"
REGIONS = (*ZONES, OTHER)

#: top-level domains of each zone; host names are stored in ASCII, so the Cyrillic ones
#: as punycode (.рф, .қаз, .бел)
_ZONE_OF_TLD = {
    "ru": "ru",
    "su": "ru",
    "xn--p1ai": "ru",
    "kz": "kz",
    "xn--80ao21a": "kz",
    "by": "by",
    "xn--90ais": "by",
}


def region_of_host_names(host_names: Sequence[str]) -> str:
    """The region a site's host names suggest: the zone of the first one under a zone's
    top-level domain (shop.example.ru: "ru"), else "other". A suggestion only: the
    administrator chooses (a .com site for Russian visitors is "ru")."""
    for name in host_names:
        zone = _ZONE_OF_TLD.get(name.rstrip(".").rsplit(".", 1)[-1].lower())
        if zone is not None:
            return zone
    return OTHER


NO_SITE = "no site exists: run 'socialservices db upgrade'"


def default_site(session: Session) -> Site:
    site = session.exec(select(Site).where(col(Site.is_default))).first()
    if site is None:
        site = session.exec(select(Site).order_by(col(Site.id))).first()
    if site is None:
        raise LookupError(NO_SITE)
    return site


def site_for_host(session: Session, host: str | None) -> Site:
    """The site whose host names include ``host`` (port ignored), else the default site
    (as ``default_site`` picks it); one query."""
    sites = list_sites(session)
    wanted = urlsplit(f"//{host or ''}").hostname or ""  # drops the port, keeps [v6] whole
    for site in sites if wanted else []:
        if wanted in (name.lower() for name in host_names_of(site)):
            return site
    default = next((site for site in sites if site.is_default), sites[0] if sites else None)
    if default is None:
        raise LookupError(NO_SITE)
    return default


#: built once: every sign-in's start asks it (``site_for_host``)
_SITES = select(Site).order_by(col(Site.id))


def list_sites(session: Session) -> list[Site]:
    return list(session.exec(_SITES))


#: built once, with a bound parameter: ``session.get`` builds its statement anew each
#: time it is not answered from the session, and every sign-in's callback asks
_SITE = select(Site).where(col(Site.id) == bindparam("site_id"))


def site_by_id(session: Session, site_id: str) -> Site | None:
    """The site with this id (what ``session.get(Site, site_id)`` gives)."""
    return session.exec(_SITE, params={"site_id": site_id}).first()


def replace_sites(session: Session, sites: list[Site]) -> list[str]:
    """Make the installation hold exactly ``sites`` (matched by id); returns removed ids.

    The caller checks the rules (one default, unique host names) before calling.
    """
    existing = {site.id: site for site in list_sites(session)}
    wanted = {site.id for site in sites}
    removed = sorted(set(existing) - wanted)
    for site_id in removed:
        session.delete(existing[site_id])
    session.flush()
    for site in sites:
        current = existing.get(site.id)
        if current is None:
            session.add(site)
        else:
            current.name = site.name
            current.host_names = site.host_names
            current.is_default = site.is_default
            current.individual_settings = site.individual_settings
            current.subject_type = site.subject_type
            current.region = site.region
            current.show_regional_services = site.show_regional_services
            session.add(current)
    session.flush()
    return removed


def lock_sites(session: Session) -> list[Site]:
    """Every site, locked until the transaction ends (PostgreSQL; SQLite's writers take
    turns anyway): of two administrators saving sites at the same moment, the second
    sees the first one's change before checking its own. Read again once locked: a
    locking read that waited returns the rows it locked, not the ones added meanwhile."""
    session.exec(select(Site).order_by(col(Site.id)).with_for_update()).all()
    fresh = select(Site).order_by(col(Site.id)).execution_options(populate_existing=True)
    return list(session.exec(fresh))
