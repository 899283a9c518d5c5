"""Applications of a site: their rules (one check for the site's page and the config
file), storing them, and the secret that is shown once.

Redirect URIs are compared exactly, so they are checked as exactly: absolute, https (or
http to a loopback address, for an application on the same machine), no fragment, no
credentials, no wildcard. A confidential application's secret is generated here (or
brought by the config file, at least 32 characters) and never shown again after it is
made: only a new one replaces it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlmodel import Session

from admin_app.core import runtime
from admin_app.core.form_problems import Problems
from admin_app.core.i18n import N_
from admin_app.core.input_checks import INVISIBLE, has_invisible_characters
from admin_app.services.validation import (
    AT_MOST,
    HOST_NAME,
    REQUIRED,
    SITE_ID,
    URL_LIMIT,
    check_name,
)
from models import applications as stored
from models.tables import Application

CLIENT_ID = re.compile(r"^[A-Za-z0-9._~-]{1,100}$")
MIN_SECRET = 32
MAX_URIS = 20
MAX_HOSTS = 20
LOOPBACK_NAMES = ("localhost",)


@dataclass
class ApplicationValues:
    """An application as a form or the config file gives it."""

    id: str
    site_id: str
    name: str
    kind: str = stored.CONFIDENTIAL
    client_id: str = ""
    #: a new secret to keep; None: keep the stored one (or make one for a new application)
    client_secret: str | None = None
    redirect_uris: list[str] = field(default_factory=list)
    post_logout_redirect_uris: list[str] = field(default_factory=list)
    #: None: everyone
    allowed_groups: list[str] | None = None
    #: a proxy application's host names
    hosts: list[str] = field(default_factory=list)
    #: where back-channel logout tokens go ("" none)
    backchannel_logout_uri: str = ""


@dataclass(frozen=True)
class ApplicationPlaces:
    """Where an application's problems are reported."""

    prefix: str = ""

    def __call__(self, name: str) -> str:
        return f"{self.prefix}{name}"


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def uri_problem(uri: str) -> str | None:
    """Why ``uri`` cannot be registered as a redirect URI; None when it can."""
    if len(uri) > URL_LIMIT:
        return AT_MOST
    if has_invisible_characters(uri) or " " in uri:
        return INVISIBLE
    try:
        parts = urlsplit(uri)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises on a port that is no number
    except ValueError:
        return N_("not an address")
    if parts.scheme not in ("https", "http") or not host:
        return N_("an absolute https:// address")
    if parts.scheme == "http" and not _is_loopback(host):
        return N_("https:// (http:// only to a loopback address such as 127.0.0.1)")
    if parts.fragment or "#" in uri:
        return N_("an address without a #fragment")
    if parts.username is not None or "*" in uri:
        return N_("an exact address, without credentials or wildcards")
    return None


def check(
    values: ApplicationValues,
    problems: Problems,
    *,
    places: ApplicationPlaces,
    site_ids: set[str],
    group_codes: set[str],
    taken_client_ids: dict[str, str],
    taken_hosts: dict[str, str] | None = None,
) -> None:
    """Every rule of an application; ``taken_client_ids`` maps client ids to the
    application that has each, ``taken_hosts`` host names to the proxy application that
    serves each."""
    if not SITE_ID.fullmatch(values.id):
        problems.add(places("id"), N_("use 1 to 20 lower-case letters, digits or _"))
    if values.site_id not in site_ids:
        problems.add(places("site"), N_("no such site"))
    check_name(values.name, places("name"), problems, required=True)
    if values.kind not in stored.KINDS:
        problems.add(places("kind"), N_("confidential, public or proxy"))
    if values.client_id and not CLIENT_ID.fullmatch(values.client_id):
        problems.add(places("client_id"), N_("1 to 100 letters, digits and . _ ~ -"))
    elif values.client_id and taken_client_ids.get(values.client_id, values.id) != values.id:
        problems.add(places("client_id"), N_("another application has this client id"))
    secret = values.client_secret
    if values.kind in (stored.PUBLIC, stored.PROXY) and secret:
        problems.add(places("client_secret"), N_("only a confidential application has a secret"))
    elif secret is not None and values.kind == stored.CONFIDENTIAL and len(secret) < MIN_SECRET:
        problems.add(places("client_secret"), N_("at least {limit} characters"), limit=MIN_SECRET)
    elif secret and has_invisible_characters(secret):
        problems.add(places("client_secret"), INVISIBLE)
    if values.kind == stored.PROXY:
        _check_proxy(values, places, problems, taken_hosts or {})
    else:
        _check_uris(values.redirect_uris, places("redirect_uris"), problems, required=True)
        _check_uris(values.post_logout_redirect_uris, places("post_logout_redirect_uris"), problems)
        if values.hosts:
            problems.add(places("hosts"), N_("only a proxy application has host names"))
        if values.backchannel_logout_uri:
            _check_uris([values.backchannel_logout_uri], places("backchannel_logout_uri"), problems)
    for code in values.allowed_groups or []:
        if code not in group_codes:
            problems.add(places("allowed_groups"), N_("no such group: {code}"), code=code)
    if values.allowed_groups is not None and not values.allowed_groups:
        problems.add(places("allowed_groups"), N_("name at least one group, or leave it out"))


def _check_proxy(
    values: ApplicationValues, places: ApplicationPlaces, problems: Problems, taken: dict[str, str]
) -> None:
    """A proxy application has host names (each served by it alone) and none of the
    addresses of OpenID Connect: the proxy asks ``/auth/verify`` on every request, so a
    sign-out there bites at once without a back-channel."""
    where = places("hosts")
    if not values.hosts:
        problems.add(where, REQUIRED)
    if len(values.hosts) > MAX_HOSTS:
        problems.add(where, N_("at most {limit} host names"), limit=MAX_HOSTS)
    for index, host in enumerate(values.hosts):
        if not HOST_NAME.fullmatch(host):
            problems.add(f"{where}[{index}]", N_("'{value}' is not a host name"), value=host)
        elif values.hosts.index(host) != index:
            problems.add(f"{where}[{index}]", N_("'{value}' appears twice"), value=host)
        elif taken.get(host, values.id) != values.id:
            problems.add(
                f"{where}[{index}]",
                N_("'{value}' is served by application '{other}' already"),
                value=host,
                other=taken[host],
            )
    for name in ("redirect_uris", "post_logout_redirect_uris", "backchannel_logout_uri"):
        if getattr(values, name):
            problems.add(places(name), N_("a proxy application has no OpenID Connect addresses"))


def _check_uris(
    uris: Sequence[str], where: str, problems: Problems, *, required: bool = False
) -> None:
    if required and not uris:
        problems.add(where, REQUIRED)
    if len(uris) > MAX_URIS:
        problems.add(where, N_("at most {limit} addresses"), limit=MAX_URIS)
    for index, uri in enumerate(uris):
        if (problem := uri_problem(uri)) is not None:
            problems.add(f"{where}[{index}]", problem, limit=URL_LIMIT)


def store(
    session: Session, values: ApplicationValues, row: Application | None
) -> tuple[Application, str | None]:
    """Write ``values`` over ``row`` (None: a new application); the new secret in plain
    text when one was made here (to be shown once), else None."""
    if row is None:
        row = Application(id=values.id, site_id=values.site_id, name=values.name, client_id="")
    row.site_id = values.site_id
    row.name = values.name
    row.kind = values.kind
    row.client_id = values.client_id or row.client_id or stored.new_client_id()
    row.redirect_uris = list(values.redirect_uris)
    row.post_logout_redirect_uris = list(values.post_logout_redirect_uris)
    row.everyone = values.allowed_groups is None
    row.allowed_groups = list(values.allowed_groups or [])
    row.hosts = [host.lower() for host in values.hosts]
    row.backchannel_logout_uri = values.backchannel_logout_uri
    made = None
    if values.kind in (stored.PUBLIC, stored.PROXY):
        row.client_secret = ""
    elif values.client_secret:
        stored.store_secret(session, runtime.keyring(), row, values.client_secret)
    elif not row.client_secret:
        made = stored.new_client_secret()
        stored.store_secret(session, runtime.keyring(), row, made)
    session.add(row)
    return row, made
