"""The site page's applications: list, create, change, new secret, delete, and the site's
kind of subject. Each an administrator action (checked again, audited: the audit entry
names the fields that changed, never a secret).

A new confidential application's secret, and each "new secret", is returned once for the
page to show; only its sealed form is kept (``models.applications``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from admin_app.auth.admin_access import acting_administrator, administrator_action
from admin_app.core import runtime
from admin_app.core.form_problems import FormError, Problems
from admin_app.core.i18n import N_
from models import applications as stored
from models.db import read_scope
from models.options import group_codes
from models.sites import list_sites
from models.tables import Application, Group, Site
from models.versions import StaleEditError, claim, insert_new

from .applications import ApplicationPlaces, ApplicationValues, check, store
from .claims import SUBJECT_TYPES
from .issuers import issuer_of


class ApplicationFormError(FormError):
    """The application cannot be saved; ``problems`` by field name."""


@dataclass(frozen=True)
class ApplicationView:
    id: str
    site_id: str
    name: str
    kind: str
    client_id: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    #: None: everyone
    allowed_groups: tuple[str, ...] | None
    hosts: tuple[str, ...]
    backchannel_logout_uri: str
    version: int


@dataclass(frozen=True)
class Saved:
    view: ApplicationView
    #: shown once: a new application's secret, or a new secret
    new_secret: str | None = None


def _view(row: Application) -> ApplicationView:
    return ApplicationView(
        id=row.id,
        site_id=row.site_id,
        name=row.name,
        kind=row.kind,
        client_id=row.client_id,
        redirect_uris=tuple(row.redirect_uris),
        post_logout_redirect_uris=tuple(row.post_logout_redirect_uris),
        allowed_groups=None if row.everyone else tuple(row.allowed_groups),
        hosts=tuple(row.hosts),
        backchannel_logout_uri=row.backchannel_logout_uri,
        version=row.version,
    )


def applications_of(site_id: str) -> list[ApplicationView]:
    acting_administrator()
    with read_scope() as session:
        return [_view(row) for row in stored.of_site(session, site_id)]


def groups() -> list[tuple[str, str]]:
    """(code, name) of every group, for "who may use it"."""
    acting_administrator()
    with read_scope() as session:
        rows = session.exec(select(Group).order_by(col(Group.name)))
        return [(group.code, group.name) for group in rows]


def parse_uris(text: str) -> list[str]:
    return [line.strip() for line in text.replace(" ", "\n").splitlines() if line.strip()]


def parse_hosts(text: str) -> list[str]:
    """Host names as typed: one per line or separated by spaces or commas, any case."""
    return [host.lower() for host in parse_uris(text.replace(",", " "))]


def _checked(session: Session, values: ApplicationValues) -> None:
    problems = Problems(ApplicationFormError)
    every = stored.every_application(session)
    taken = {row.client_id: row.id for row in every}
    hosts = {host: row.id for row in every if row.kind == stored.PROXY for host in row.hosts}
    check(
        values,
        problems,
        places=ApplicationPlaces(),
        site_ids={site.id for site in list_sites(session)},
        group_codes=group_codes(session),
        taken_client_ids=taken,
        taken_hosts=hosts,
    )
    problems.raise_any()


def _changes(row: Application, values: ApplicationValues) -> list[str]:
    before = _view(row)
    after = {
        "name": values.name,
        "kind": values.kind,
        "redirect_uris": tuple(values.redirect_uris),
        "post_logout_redirect_uris": tuple(values.post_logout_redirect_uris),
        "allowed_groups": None if values.allowed_groups is None else tuple(values.allowed_groups),
        "hosts": tuple(values.hosts),
        "backchannel_logout_uri": values.backchannel_logout_uri,
    }
    return [name for name, value in after.items() if getattr(before, name) != value]


def create_application(values: ApplicationValues) -> Saved:
    values.client_id = ""  # generated: a new application gets a new id
    values.client_secret = None
    with administrator_action(
        "application.create", f"application:{values.id}", {"site": values.site_id}
    ) as session:
        _checked(session, values)
        if session.get(Application, values.id) is not None:
            raise ApplicationFormError.single("id", N_("another application has this id"))
        row, secret = store(session, values, None)
        insert_new(session, row)
        return Saved(_view(row), secret)


def update_application(values: ApplicationValues, *, version: int) -> Saved:
    with read_scope() as session:
        row = session.get(Application, values.id)
        if row is None:
            raise StaleEditError
        values.client_id = row.client_id
        changed = _changes(row, values)
    values.client_secret = None
    with administrator_action(
        "application.update", f"application:{values.id}", {"changed": changed}
    ) as session:
        row = session.get(Application, values.id)
        if row is None:
            raise StaleEditError
        _checked(session, values)
        claim(session, row, expected=version)
        row, secret = store(session, values, row)
        return Saved(_view(row), secret)


def new_secret(application_id: str, *, version: int) -> Saved:
    with administrator_action("application.new_secret", f"application:{application_id}") as session:
        row = session.get(Application, application_id)
        if row is None or row.kind != stored.CONFIDENTIAL:
            raise StaleEditError
        claim(session, row, expected=version)
        secret = stored.new_client_secret()
        stored.store_secret(session, runtime.keyring(), row, secret)
        session.add(row)
        return Saved(_view(row), secret)


def delete_application(application_id: str, *, version: int) -> None:
    with administrator_action("application.delete", f"application:{application_id}") as session:
        row = session.get(Application, application_id)
        if row is None:
            raise StaleEditError
        claim(session, row, expected=version)
        session.delete(row)


def subject_type_of(site_id: str) -> str:
    with read_scope() as session:
        site = session.get(Site, site_id)
        return site.subject_type if site else "public"


def set_subject_type(site_id: str, subject_type: str) -> None:
    if subject_type not in SUBJECT_TYPES:
        raise ValueError(subject_type)
    with administrator_action(
        "site.subject_type", f"site:{site_id}", {"subject_type": subject_type}
    ) as session:
        site = session.get(Site, site_id)
        if site is None:
            raise StaleEditError
        claim(session, site, expected=None)
        site.subject_type = subject_type
        session.add(site)


def issuer_of_site(site_id: str) -> str:
    """The address applications of the site are configured with (their "issuer")."""
    with read_scope() as session:
        site = session.get(Site, site_id)
        return issuer_of(site) if site is not None else ""
