"""Sites served by one installation, and which one a request is for."""

from __future__ import annotations

from sqlmodel import Session, col, select

from models.tables import Site


def host_names_of(site: Site) -> list[str]:
    return [name for name in site.host_names.split() if name]


def default_site(session: Session) -> Site:
    site = session.exec(select(Site).where(col(Site.is_default))).first()
    if site is None:
        site = session.exec(select(Site).order_by(col(Site.id))).first()
    if site is None:
        raise LookupError("no site exists: run 'socialservices db upgrade'")
    return site


def site_for_host(session: Session, host: str | None) -> Site:
    """The site whose host names include ``host`` (port ignored), else the default site."""
    wanted = (host or "").split(":")[0].strip().lower()
    if wanted:
        for site in session.exec(select(Site).order_by(col(Site.id))):
            if wanted in (name.lower() for name in host_names_of(site)):
                return site
    return default_site(session)


def list_sites(session: Session) -> list[Site]:
    return list(session.exec(select(Site).order_by(col(Site.id))))
