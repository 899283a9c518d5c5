"""Absolute URLs of a site, as visitors and external services reach it."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from admin_app.core import runtime
from models.sites import host_names_of
from models.tables import Site


def site_base_url(site: Site) -> str:
    """PUBLIC_URL for the default site (or one without host names); for another site its
    first host name with PUBLIC_URL's scheme, port and path."""
    public = runtime.settings().base_url
    hosts = host_names_of(site)
    if site.is_default or not hosts:
        return public
    parts = urlsplit(public)
    netloc = hosts[0] + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def redirect_uri(site: Site, service_id: str) -> str:
    """What the administrator registers at the service: ``<site>/oauth/<service>/callback``."""
    return f"{site_base_url(site)}/oauth/{service_id}/callback"
