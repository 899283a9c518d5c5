"""What a site and a service's settings may hold: one set of rules for the admin editors
and ``config import``, so that a value one of them refuses the other refuses too (each
used to keep a copy, and the copies drifted).

Each check adds what is wrong to a ``Problems`` at a place its caller names: the editor's
field names (``host_names``), or the import's paths in the document
(``sites[0].domains[2]``). What is the caller's own stays with it: reading the input (a
form's text, a YAML value's type and unknown keys), and what depends on the rest of it
(an id already taken in the database or given twice in a file, which site is the
default, which stored secrets may go on).

"required" is said only of a field nothing else is said about: a value the caller could
not read has been reported already.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from admin_app.core.form_problems import Problems
from admin_app.core.i18n import N_
from admin_app.core.input_checks import INVISIBLE, has_invisible_characters
from models.services import COMMON
from models.sites import REGIONS
from providers import PROVIDERS
from providers.base import Provider, ServiceConfig

SITE_ID = re.compile(r"^[a-z0-9_]{1,20}$")
SERVICE_ID = re.compile(r"^[a-z][a-z0-9-]{1,49}$")
#: lower-case (both callers lower-case what they read), at most 253 characters in all
#: and 63 in a label
HOST_NAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)
NAME_LIMIT = 100  # models.tables: Site.name, ConfiguredService.name
HOST_NAMES_LIMIT = 2000  # Site.host_names: the names joined by spaces
SETTING_LIMIT = 10_000
URL_LIMIT = 2000

REQUIRED = N_("required")
AT_MOST = N_("at most {limit} characters")


@dataclass(frozen=True)
class SitePlaces:
    """Where a site's problems are reported."""

    id: str
    name: str
    host_names: str  # the list as a whole (its length)
    host: Callable[[int], str]  # one host name, by its position in the list
    region: str


@dataclass(frozen=True)
class ServicePlaces:
    """Where a service's problems are reported."""

    service_id: str
    provider: str
    name: str
    setting: Callable[[str], str]  # by the setting's key
    endpoint: Callable[[str], str]  # by the endpoint's key
    #: the provider's own verdict on the settings, by the setting it names (None: none)
    verdict: Callable[[str | None], str]


def _require(where: str, problems: Problems) -> None:
    if where not in problems.found:
        problems.add(where, REQUIRED)


# --------------------------------------------------------------------------- sites


def _check_site_id(site_id: str, where: str, problems: Problems) -> None:
    """A new site's id: it names the site's own service settings, and never changes."""
    if not site_id:
        _require(where, problems)
    elif site_id == COMMON:
        problems.add(where, N_("'{value}' is reserved"), value=site_id)
    elif not SITE_ID.fullmatch(site_id):
        problems.add(where, N_("use 1 to 20 lower-case letters, digits or _"))


def check_name(name: str, where: str, problems: Problems, *, required: bool) -> None:
    """A site's or a service's name: shown in pages and on buttons."""
    if not name:
        if required:
            _require(where, problems)
    elif len(name) > NAME_LIMIT:
        problems.add(where, AT_MOST, limit=NAME_LIMIT)
    elif has_invisible_characters(name):
        problems.add(where, INVISIBLE)


def check_host_names(
    hosts: Sequence[str], claimed: Mapping[str, str], places: SitePlaces, problems: Problems
) -> None:
    """A site's host names (lower-cased): valid, each once, none ``claimed`` (a host name:
    the other site that has it), and all of them within the column."""
    seen: set[str] = set()
    for index, host in enumerate(hosts):
        where = places.host(index)
        if not host:
            _require(where, problems)
        elif not HOST_NAME.fullmatch(host):
            problems.add(where, N_("'{value}' is not a host name"), value=host)
        elif host in seen:
            problems.add(where, N_("'{value}' appears twice"), value=host)
        elif host in claimed:
            problems.add(
                where, N_("'{value}' belongs to site '{site}' too"), value=host, site=claimed[host]
            )
        seen.add(host)
    if len(" ".join(hosts)) > HOST_NAMES_LIMIT:
        problems.add(places.host_names, AT_MOST, limit=HOST_NAMES_LIMIT)


def check_region(region: str, where: str, problems: Problems) -> None:
    """A site's region: one of the codes the catalogue's rule knows ("other" for every
    country but the zones of the Russian services)."""
    if region not in REGIONS:
        problems.add(where, N_("one of: {values}"), values=", ".join(REGIONS))


def check_site(
    site_id: str | None,
    name: str,
    hosts: Sequence[str],
    *,
    region: str,
    claimed: Mapping[str, str],
    places: SitePlaces,
    problems: Problems,
) -> None:
    """A site's values; ``site_id`` None for a site that exists (its id never changes)."""
    if site_id is not None:
        _check_site_id(site_id, places.id, problems)
    check_name(name, places.name, problems, required=True)
    check_host_names(hosts, claimed, places, problems)
    check_region(region, places.region, problems)


# ------------------------------------------------------------------------ services


def check_service_id(
    service_id: str, provider: type[Provider], places: ServicePlaces, problems: Problems
) -> None:
    """A service's id (it is in its redirect URI): a built-in service is configured under
    its own id only, and no other service takes a built-in service's id."""
    if service_id != provider.id and not provider.multiple:
        problems.add(
            places.provider,
            N_("'{value}' can only be configured as '{value}'"),
            value=provider.id,
        )
    if not SERVICE_ID.fullmatch(service_id):
        problems.add(
            places.service_id, N_("a service id has 2 to 50 lower-case letters, digits or -")
        )
    elif service_id != provider.id and service_id in PROVIDERS:
        problems.add(
            places.service_id, N_("'{value}' is the id of a built-in service"), value=service_id
        )


def check_service(
    provider: type[Provider],
    *,
    settings: Mapping[str, str],
    secrets: Mapping[str, str],
    endpoints: Mapping[str, str],
    name: str | None,
    enabled: bool,
    name_required: bool,
    places: ServicePlaces,
    problems: Problems,
) -> None:
    """The values a service would be stored with (stripped, empty ones left out):
    ``settings`` the non-secret ones, ``secrets`` the secret ones, ``endpoints`` the
    overrides; ``name`` None when it is not being changed.

    The required settings and endpoints are required while the service is switched on.
    ``name_required``: the editor asks a name for a service added under an id of one's
    own, the import lets such a button keep the provider's title. Last, when nothing
    else is wrong and a sign-in could start, the provider's own checks (an Office 365
    tenant that is no tenant): what it would refuse at sign-in is refused now.
    """
    for key, url in endpoints.items():
        if len(url) > URL_LIMIT:
            problems.add(places.endpoint(key), AT_MOST, limit=URL_LIMIT)
        elif not acceptable_endpoint(url):
            problems.add(
                places.endpoint(key),
                N_("must be an https:// URL without a user name (http:// only on this machine)"),
            )
    for key in provider.required_endpoints:
        if enabled and not endpoints.get(key):
            _require(places.endpoint(key), problems)
    for setting in provider.fields:
        where = places.setting(setting.key)
        value = (secrets if setting.secret else settings).get(setting.key, "")
        if len(value) > SETTING_LIMIT:
            problems.add(where, AT_MOST, limit=SETTING_LIMIT)
        elif has_invisible_characters(value, multi_line=setting.multiline):
            problems.add(where, INVISIBLE)
        elif not value and enabled and setting.required and not setting.default:
            _require(where, problems)
    if name is not None:
        check_name(name, places.name, problems, required=name_required)
    values = {**settings, **secrets}
    if (enabled or provider.is_complete(values, endpoints)) and not problems.found:
        _ask_provider(provider, ServiceConfig(values, dict(endpoints)), places, problems)


def _ask_provider(
    provider: type[Provider], config: ServiceConfig, places: ServicePlaces, problems: Problems
) -> None:
    for problem in provider(config).configuration_problems():
        # Providers name the setting first ("bot_token is not a bot token").
        named = next((f.key for f in provider.fields if problem.startswith(f"{f.key} ")), None)
        problems.add(places.verdict(named), N_("not accepted: {problem}"), problem=problem)


def acceptable_endpoint(url: str) -> bool:
    """https, or http to this machine (development, tests); no user:password@, nothing
    unprintable: anything else would send secrets where a network could read them."""
    if not url.isprintable() or " " in url:
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises for a bad port)
    except ValueError:
        return False
    if not parts.hostname or parts.username is not None or parts.fragment:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and (
        parts.hostname == "localhost" or _is_loopback(parts.hostname)
    )


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
