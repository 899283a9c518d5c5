"""The sites editor's use cases: list, create, change and delete sites.

A site's values are checked by ``validation``, as the configuration import checks them:
an id of lower-case letters, digits or _ ("common" is the name of the shared scope), a
name, valid host names that belong to one site only. Exactly one site is the default, so
making a site the default takes that from the others. Deleting a site deletes its own service settings; the default site cannot be
deleted. Every change is an audited administrator action that claims the version the
form showed.

A site's region decides whether it offers the Russian services (the catalogue's rule); a
new site's region is suggested by its host names, and the Russian services are shown
outside their zones only when the administrator says so.

The form is checked before the change, to show every problem at once, and the rules that
depend on other sites (an id or a host name taken) once more in the transaction that
writes: another administrator may have saved in between. Creating and changing sites
lock the sites' rows first, so that on PostgreSQL such changes take turns as SQLite's
writers do anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from admin_app.auth.admin_access import acting_administrator, administrator_action
from admin_app.core import runtime
from admin_app.core.form_problems import FieldProblem, FormError, Problems
from admin_app.core.i18n import N_
from admin_app.core.token_storage import secrets_of
from admin_app.services.catalogue import region_hides
from admin_app.services.service_editing import scope_services
from admin_app.services.site_urls import site_base_url
from admin_app.services.validation import SitePlaces, check_host_names, check_site
from models.db import session_scope
from models.services import COMMON, ServiceValues, configs_in_scope, remove_scope, replace_scope
from models.sites import host_names_of, list_sites, lock_sites, region_of_host_names
from models.tables import Site
from models.versions import StaleEditError, claim


@dataclass(frozen=True)
class SiteView:
    id: str
    name: str
    host_names: tuple[str, ...]
    is_default: bool
    individual_settings: bool
    version: int
    region: str
    show_regional_services: bool


@dataclass(frozen=True)
class SiteForm:
    """What the site form sends: host names as typed (one per line, or separated by
    spaces or commas). ``region`` None: suggested by the host names for a new site, kept
    for one that exists; ``show_regional_services`` None: off for a new site, kept."""

    name: str
    host_names: str
    is_default: bool
    region: str | None = None
    show_regional_services: bool | None = None


@dataclass(frozen=True)
class SiteSaved:
    """A saved site, and the sites whose redirect URIs the save changed (this one for new
    host names, the one that stopped being the default): the URIs registered at the
    services' providers must be changed for them."""

    view: SiteView
    redirect_uris_changed: tuple[SiteView, ...]


class SiteFormError(FormError):
    """A site's form cannot be saved; the fields are ``id``, ``name``, ``host_names``,
    ``default`` and ``region``."""


def _as_view(site: Site) -> SiteView:
    return SiteView(
        id=site.id,
        name=site.name,
        host_names=tuple(host_names_of(site)),
        is_default=site.is_default,
        individual_settings=site.individual_settings,
        version=site.version,
        region=site.region,
        show_regional_services=site.show_regional_services,
    )


def list_site_views() -> list[SiteView]:
    with session_scope() as session:
        return [_as_view(site) for site in list_sites(session)]


def site_view(site_id: str) -> SiteView | None:
    with session_scope() as session:
        site = session.get(Site, site_id)
        return _as_view(site) if site is not None else None


def parse_host_names(text: str) -> list[str]:
    """Host names as typed, lower-cased, each once, in their order."""
    names: list[str] = []
    for name in re.split(r"[\s,]+", text.lower()):
        if name and name not in names:
            names.append(name)
    return names


def suggested_region(host_names: str) -> str:
    """The region the host names as typed suggest for a new site."""
    return region_of_host_names(parse_host_names(host_names))


def _problems() -> Problems:
    return Problems(SiteFormError)


#: where ``validation`` reports: the form's fields (every host name at the one text box)
_PLACES = SitePlaces(
    id="id",
    name="name",
    host_names="host_names",
    host=lambda _index: "host_names",
    region="region",
)


def _claimed(sites: list[Site], site_id: str) -> dict[str, str]:
    """The host names of the sites but ``site_id``: each names its site."""
    return {
        host: other.id for other in sites if other.id != site_id for host in host_names_of(other)
    }


@dataclass(frozen=True)
class _Checked:
    name: str
    hosts: list[str]
    region: str
    show_regional_services: bool


def _check_form(
    session: Session, site_id: str, form: SiteForm, problems: Problems, *, new: bool
) -> _Checked:
    """The form's values, checked (a ``new`` site's id too, and whether it is taken);
    what the form leaves out as the site has it (a new site: as suggested)."""
    name = form.name.strip()
    hosts = parse_host_names(form.host_names)
    site = None if new else session.get(Site, site_id)
    region = form.region
    if region is None:
        region = site.region if site is not None else region_of_host_names(hosts)
    show = form.show_regional_services
    if show is None:
        show = site.show_regional_services if site is not None else False
    check_site(
        site_id if new else None,
        name,
        hosts,
        region=region,
        claimed=_claimed(list_sites(session), site_id),
        places=_PLACES,
        problems=problems,
    )
    if new and "id" not in problems.found and session.get(Site, site_id) is not None:
        problems.add("id", N_("'{value}' is taken"), value=site_id)
    return _Checked(name, hosts, region, show)


def _check_hosts_again(sites: list[Site], site_id: str, hosts: list[str]) -> None:
    """In the transaction that writes: a host name given to another site since the form
    was checked is refused as it would have been then."""
    problems = _problems()
    check_host_names(hosts, _claimed(sites, site_id), _PLACES, problems)
    problems.raise_any()


def _id_taken(site_id: str) -> SiteFormError:
    return SiteFormError({"id": [FieldProblem(N_("'{value}' is taken"), {"value": site_id})]})


def _take_default_from_others(session: Session, site_id: str) -> list[str]:
    """Make every other site not the default (their versions raised); returns their ids."""
    taken = []
    for other in list_sites(session):
        if other.id != site_id and other.is_default:
            claim(session, other, expected=other.version)
            other.is_default = False
            session.add(other)
            taken.append(other.id)
    return taken


def create_site(site_id: str, form: SiteForm) -> SiteView:
    """Raises NotAnAdministratorError or SiteFormError (nothing created)."""
    acting_administrator()
    site_id = site_id.strip()
    problems = _problems()
    with session_scope() as session:
        checked = _check_form(session, site_id, form, problems, new=True)
    problems.raise_any()
    hosts = checked.hosts
    details: dict[str, object] = {
        "name": checked.name,
        "host_names": hosts,
        "default": form.is_default,
        "region": checked.region,
        "show_regional_services": checked.show_regional_services,
    }
    with administrator_action("site.create", site_id, details) as session:
        site = Site(
            id=site_id,
            name=checked.name,
            host_names=" ".join(hosts),
            is_default=False,
            region=checked.region,
            show_regional_services=checked.show_regional_services,
        )
        try:  # first, before anything is read: the id's uniqueness is the database's
            with session.begin_nested():
                session.add(site)
                session.flush()
        except IntegrityError:  # created by someone else since the form was checked
            raise _id_taken(site_id) from None
        sites = lock_sites(session)
        _check_hosts_again(sites, site_id, hosts)
        if form.is_default:
            _take_default_from_others(session, site_id)
            site.is_default = True
            session.add(site)
        session.flush()
        return _as_view(site)


def update_site(site_id: str, form: SiteForm, *, version: int) -> SiteSaved:
    """Raises NotAnAdministratorError, StaleEditError or SiteFormError (nothing saved)."""
    acting_administrator()
    problems = _problems()
    with session_scope() as session:
        site = session.get(Site, site_id)
        if site is None or site.version != version:
            raise StaleEditError
        checked = _check_form(session, site_id, form, problems, new=False)
        if site.is_default and not form.is_default:
            problems.add(
                "default",
                N_("One site must be the default: make another site the default instead."),
            )
        before = _as_view(site)
    problems.raise_any()
    name, hosts = checked.name, checked.hosts
    changed = [
        label
        for label, differs in (
            ("name", before.name != name),
            ("host_names", list(before.host_names) != hosts),
            ("default", before.is_default != form.is_default),
            ("region", before.region != checked.region),
            (
                "show_regional_services",
                before.show_regional_services != checked.show_regional_services,
            ),
        )
        if differs
    ]
    details: dict[str, object] = {"changed": changed}
    if "region" in changed:
        details["region"] = checked.region
    if "show_regional_services" in changed:
        details["show_regional_services"] = checked.show_regional_services
    with administrator_action("site.update", site_id, details) as session:
        sites = lock_sites(session)
        site = session.get(Site, site_id)
        if site is None:
            raise StaleEditError
        claim(session, site, expected=version)
        _check_hosts_again(sites, site_id, hosts)
        base_urls = {other.id: site_base_url(other) for other in sites}
        if form.is_default and not site.is_default:
            _take_default_from_others(session, site_id)
        site.name = name
        site.host_names = " ".join(hosts)
        site.is_default = form.is_default
        site.region = checked.region
        site.show_regional_services = checked.show_regional_services
        session.add(site)
        session.flush()
        moved = tuple(
            _as_view(other) for other in sites if site_base_url(other) != base_urls[other.id]
        )
        return SiteSaved(view=_as_view(site), redirect_uris_changed=moved)


def delete_site(site_id: str, *, version: int) -> None:
    """Delete a site that is not the default, and its own service settings."""
    with administrator_action("site.delete", site_id) as session:
        site = session.get(Site, site_id)
        if site is None:
            raise StaleEditError
        claim(session, site, expected=version)
        if site.is_default:
            raise SiteFormError({"": [FieldProblem(N_("The default site cannot be deleted."))]})
        remove_scope(session, site_id)
        session.delete(site)


def set_individual_settings(
    site_id: str, on: bool, *, version: int, copy_common: bool = False
) -> int:
    """Switch a site between the common services and its own; returns the new version.
    The site's own settings are kept while switched off, for when it is switched on again.
    ``copy_common`` (switching on): the site's own settings start as a copy of the
    common ones (values, secrets, switches and order), replacing any it had."""
    copying = on and copy_common
    details: dict[str, object] = {"on": on, **({"copied_common": True} if copying else {})}
    with administrator_action("site.individual_settings", site_id, details) as session:
        site = session.get(Site, site_id)
        if site is None:
            raise StaleEditError
        claim(session, site, expected=version)
        if copying:
            _copy_common(session, site_id)
        site.individual_settings = on
        session.add(site)
        session.flush()
        return site.version


def _copy_common(session: Session, site_id: str) -> None:
    """The site's scope made a copy of the common one; secrets are sealed again for
    their new place."""
    copies = [
        ServiceValues(
            service_id=row.service_id,
            provider=row.provider,
            name=row.name,
            enabled=row.enabled,
            position=row.position,
            settings=dict(row.settings),
            secrets=secrets_of(row),
            endpoints=dict(row.endpoints),
        )
        for row in configs_in_scope(session, COMMON)
    ]
    replace_scope(session, runtime.keyring(), site_id, copies)


def individual_settings_start(site_id: str) -> tuple[bool, int]:
    """(whether the site has settings of its own already, how many services the common
    settings hold): what switching on may start from."""
    with session_scope() as session:
        own = bool(configs_in_scope(session, site_id))
        common = len(configs_in_scope(session, COMMON))
    return own, common


def own_services_offered(site_id: str) -> list[str]:
    """The services a site's own settings offer (switched on, complete, not hidden by the
    site's region), as titles to translate: what its visitors would be offered with
    individual settings applied."""
    with session_scope() as session:
        site = session.get(Site, site_id)
    try:
        if site is None:
            raise LookupError(site_id)
        views = scope_services(site_id)
    except LookupError:  # deleted meanwhile: switching will say so
        return []
    return [
        view.title
        for view in views
        if view.enabled and view.configured and not region_hides(site, view.provider_id)
    ]
