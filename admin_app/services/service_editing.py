"""The services editor's use cases: what a scope offers, and how an administrator changes it.

A scope is "common" (every site without individual settings) or the id of a site that
applies individual settings. The catalogue of a scope is every built-in service (stored
or not yet) plus the OpenID Connect services added to it.

Secret values travel one way: a form hands them in, a view only says whether one is
saved. Every change is an administrator action (re-checked, audited with the names of
the changed fields, never their values) that claims the version the form showed, so of
two administrators editing the same service the second is told instead of overwriting.
Providers are built from the stored values at each request (``service_catalogue``), so a
saved change applies to the next sign-in without a restart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from admin_app.auth.admin_access import acting_administrator, administrator_action
from admin_app.core import link_issuers, runtime
from admin_app.core.form_problems import FormError, Problems
from admin_app.core.i18n import N_
from admin_app.core.token_storage import secrets_of, secrets_to_keep
from admin_app.services.discovery import discovers, forget_saved
from admin_app.services.site_urls import redirect_uri
from admin_app.services.validation import (
    ServicePlaces,
    check_name,
    check_service,
    check_service_id,
)
from models import sign_in_events
from models.db import session_scope
from models.encryption import seal_secrets
from models.services import (
    COMMON,
    configs_in_scope,
    configs_of_service,
    find_config,
    next_position,
    sites_using,
)
from models.sign_in_events import LastResults
from models.tables import ConfiguredService, Site, utcnow
from models.versions import StaleEditError, claim, insert_new
from providers import PROVIDERS
from providers.base import Provider

CUSTOM_PROVIDER = "oidc"  # the one kind of service an administrator adds under a name

# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class FieldView:
    """One setting as a form shows it; a secret's value is never here, only ``saved``."""

    key: str
    label: str  # a message id
    hint: str  # a message id, or empty
    secret: bool
    required: bool
    multiline: bool
    default: str
    value: str  # always empty for a secret
    saved: bool  # a secret: a value is stored
    choices: tuple[str, ...] = ()  # the only values it takes: a drop-down


@dataclass(frozen=True)
class EndpointView:
    key: str
    value: str  # the administrator's override, or empty
    default: str  # the provider's own URL (empty when it comes from discovery)


@dataclass(frozen=True)
class ServiceView:
    """One service of a scope as the editor shows it."""

    service_id: str
    provider_id: str
    provider_title: str  # a message id
    name: str  # the administrator's name (added services), or empty
    help: str  # a message id
    enabled: bool
    configured: bool  # every required setting has a value: "Try it" may run
    version: int | None  # None: nothing stored yet
    fields: tuple[FieldView, ...]
    endpoints: tuple[EndpointView, ...]
    #: one per site these settings serve (the default site first); none when no site
    #: uses them now
    redirect_uris: tuple[str, ...]
    removable: bool  # added by an administrator (OpenID Connect)
    discovers: bool = False  # its endpoints come from a discovery document
    https_redirect_only: bool = False  # the service refuses http:// redirect URIs
    #: its latest sign-in on the sites these settings serve, and latest failure
    last: LastResults | None = None

    @property
    def title(self) -> str:
        """The administrator's name, else the provider's title (a message id)."""
        return self.name or self.provider_title


@dataclass(frozen=True)
class ServiceChanges:
    """What a service's form sends when saved."""

    settings: Mapping[str, str] = field(default_factory=dict)  # every non-secret field
    secrets: Mapping[str, str] = field(default_factory=dict)  # typed secrets; empty: keep
    endpoints: Mapping[str, str] = field(default_factory=dict)  # empty: the default
    name: str | None = None  # None: keep (built-in services have no name field)
    #: optional secrets whose saved value the administrator removes
    cleared_secrets: frozenset[str] = frozenset()


class ServiceFormError(FormError):
    """A service's form cannot be saved; the fields are ``name``, ``service_id``,
    ``settings.<key>`` and ``endpoints.<key>``."""


def setting_field(key: str) -> str:
    return f"settings.{key}"


def endpoint_field(key: str) -> str:
    return f"endpoints.{key}"


def _verdict_field(named: str | None) -> str:
    """The provider's own verdict: next to the setting it names, else for the form."""
    return setting_field(named) if named else ""


#: where ``validation`` reports: the form's fields (a service's form has no provider field)
_PLACES = ServicePlaces(
    service_id="service_id",
    provider="",
    name="name",
    setting=setting_field,
    endpoint=endpoint_field,
    verdict=_verdict_field,
)


def _problems() -> Problems:
    return Problems(ServiceFormError)


# ------------------------------------------------------------------------ reading


def _scope_sites(session: Session, scope: str) -> list[Site]:
    """The sites whose redirect URIs a scope's services show; LookupError for an unknown
    site (a site's own scope is shown on its page even while switched off)."""
    if scope == COMMON:
        return sites_using(session, COMMON)
    site = session.get(Site, scope)
    if site is None:
        raise LookupError(scope)
    return [site]


def _editable_scope_sites(session: Session, scope: str) -> list[Site]:
    """As ``_scope_sites``, for a change: a site deleted, or its individual settings
    switched off, since the page was drawn means the page is out of date."""
    site = session.get(Site, scope) if scope != COMMON else None
    if scope != COMMON and (site is None or not site.individual_settings):
        raise StaleEditError
    return _scope_sites(session, scope)


def _view(
    sites: Sequence[Site],
    service_id: str,
    provider: type[Provider],
    row: ConfiguredService | None,
    last: LastResults | None = None,
) -> ServiceView:
    settings = dict(row.settings) if row else {}
    secrets = dict(row.secrets) if row else {}
    endpoints = dict(row.endpoints) if row else {}
    fields = tuple(
        FieldView(
            key=f.key,
            label=f.label,
            hint=f.hint,
            secret=f.secret,
            required=f.required,
            multiline=f.multiline,
            default=f.default,
            value="" if f.secret else settings.get(f.key, ""),
            saved=f.secret and bool(secrets.get(f.key)),
            choices=f.choices,
        )
        for f in provider.fields
    )
    values = {**settings, **secrets}
    return ServiceView(
        service_id=service_id,
        provider_id=provider.id,
        provider_title=provider.title,
        name=row.name if row else "",
        help=provider.help,
        enabled=bool(row and row.enabled),
        configured=provider.is_complete(values, endpoints),
        version=row.version if row else None,
        fields=fields,
        endpoints=tuple(
            EndpointView(key, endpoints.get(key, ""), provider.endpoints.get(key, ""))
            for key in provider.endpoint_keys()
        ),
        redirect_uris=tuple(redirect_uri(site, service_id) for site in sites),
        removable=provider.multiple,
        discovers=discovers(provider.id),
        https_redirect_only=provider.https_redirect_only,
        last=last,
    )


def _catalogue(
    session: Session, scope: str
) -> list[tuple[str, type[Provider], ConfiguredService | None]]:
    """(service id, provider, stored row or None) in the editor's order: stored services
    by button position, then the built-in ones not stored yet in catalogue order."""
    rows = [row for row in configs_in_scope(session, scope) if row.provider in PROVIDERS]
    listed: list[tuple[str, type[Provider], ConfiguredService | None]] = [
        (row.service_id, PROVIDERS[row.provider], row) for row in rows
    ]
    stored_ids = {row.service_id for row in rows}
    listed += [
        (provider_id, provider, None)
        for provider_id, provider in PROVIDERS.items()
        if not provider.multiple and provider_id not in stored_ids
    ]
    return listed


def scope_services(scope: str) -> list[ServiceView]:
    """The editor's list for a scope; LookupError for an unknown site."""
    with session_scope() as session:
        sites = _scope_sites(session, scope)
        results = sign_in_events.latest(session, [site.id for site in sites])
        return [
            _view(sites, sid, provider, row, results.get(sid))
            for sid, provider, row in _catalogue(session, scope)
        ]


# ----------------------------------------------------------------------- checking


@dataclass
class _Checked:
    settings: dict[str, str]
    secrets: dict[str, str]
    endpoints: dict[str, str]
    name: str


def _typed(values: Mapping[str, str], key: str) -> str:
    return (values.get(key) or "").strip()


def _secrets(
    provider: type[Provider],
    row: ConfiguredService | None,
    changes: ServiceChanges,
    kept: Mapping[str, str],
    problems: Problems,
) -> dict[str, str]:
    """The secrets to store: typed, else ``kept`` unless removed. An optional secret that
    may not go on is dropped (the page says so); a required one must be typed again."""
    stored = dict(row.secrets) if row else {}
    secrets: dict[str, str] = {}
    for f in provider.fields:
        if not f.secret:
            continue
        typed = _typed(changes.secrets, f.key)
        cleared = f.key in changes.cleared_secrets and not f.required
        value = typed or ("" if cleared else kept.get(f.key, ""))
        if f.required and not typed and stored.get(f.key) and not value:
            problems.add(
                setting_field(f.key),
                N_("Enter it again: the settings or addresses it is sent with have changed."),
            )
        if value:
            secrets[f.key] = value
    return secrets


def _check(
    provider: type[Provider],
    row: ConfiguredService | None,
    changes: ServiceChanges,
    *,
    enabled: bool,
    problems: Problems,
) -> _Checked:
    """``validation``'s rules for one service, with each problem placed at its field."""
    endpoints = {
        key: url for key in provider.endpoint_keys() if (url := _typed(changes.endpoints, key))
    }
    settings = {
        f.key: value
        for f in provider.fields
        if not f.secret and (value := _typed(changes.settings, f.key))
    }
    # As in the import: a stored secret goes on only to where it went before.
    kept = secrets_to_keep(row, provider.id, settings, endpoints)
    secrets = _secrets(provider, row, changes, kept, problems)
    typed_name = None if changes.name is None else changes.name.strip()
    check_service(
        provider,
        settings=settings,
        secrets=secrets,
        endpoints=endpoints,
        name=typed_name,
        enabled=enabled,
        name_required=provider.multiple,
        places=_PLACES,
        problems=problems,
    )
    name = (row.name if row else "") if typed_name is None else typed_name
    return _Checked(settings, secrets, endpoints, name)


def _check_issuer(
    session: Session,
    scope: str,
    service_id: str,
    provider: type[Provider],
    endpoints: Mapping[str, str],
    problems: Problems,
) -> None:
    """One service id, one issuer: in every scope (a link is made through one scope and
    used through any), and for as long as accounts are linked through it
    (``link_issuers``). The issuer is the endpoint that vouches for account ids."""
    wanted = link_issuers.identity_issuer(provider.id, endpoints)
    where = endpoint_field("issuer" if "issuer" in provider.endpoints else "api_url")
    problem = link_issuers.moving_problem(session, service_id, wanted)
    if problem is not None:
        problems.add(where, problem.message, **problem.params)
        return
    others = {
        link_issuers.identity_issuer(row.provider, row.endpoints)
        for row in configs_of_service(session, service_id)
        if row.scope != scope
    } - {""}
    if wanted and others - {wanted}:
        problems.add(
            where,
            N_(
                "Other settings use '{value}' with the issuer {issuer}: one service id, one "
                "issuer. Use that issuer, or add this one under another id."
            ),
            value=service_id,
            issuer=sorted(others - {wanted})[0],
        )


def _changed_fields(row: ConfiguredService | None, checked: _Checked) -> list[str]:
    """The names of what changes (secrets by name only: values never reach the log)."""
    before_settings = dict(row.settings) if row else {}
    before_secrets = secrets_of(row) if row else {}
    before_endpoints = dict(row.endpoints) if row else {}
    changed = [
        setting_field(key)
        for key in sorted(set(before_settings) | set(checked.settings))
        if before_settings.get(key) != checked.settings.get(key)
    ]
    changed += [
        setting_field(key)
        for key in sorted(set(before_secrets) | set(checked.secrets))
        if before_secrets.get(key) != checked.secrets.get(key)
    ]
    changed += [
        endpoint_field(key)
        for key in sorted(set(before_endpoints) | set(checked.endpoints))
        if before_endpoints.get(key) != checked.endpoints.get(key)
    ]
    if (row.name if row else "") != checked.name:
        changed.append("name")
    return changed


# ------------------------------------------------------------------------ changing


def _provider_for(session: Session, scope: str, service_id: str) -> type[Provider]:
    """The provider of a listed service; StaleEditError when it is no longer listed."""
    row = find_config(session, scope, service_id)
    provider_id = row.provider if row else service_id
    provider = PROVIDERS.get(provider_id)
    if provider is None or (row is None and provider.multiple):
        raise StaleEditError
    return provider


def _claimed_row(
    session: Session, scope: str, service_id: str, provider_id: str, version: int | None
) -> ConfiguredService:
    """The row to change, its version raised; a built-in service's first change stores it.

    The form's version None means "nothing was stored": a row found now was added by
    someone else; a version for a row gone means someone removed it.
    """
    row = find_config(session, scope, service_id)
    if row is None:
        if version is not None:
            raise StaleEditError
        row = ConfiguredService(
            scope=scope,
            service_id=service_id,
            provider=provider_id,
            position=next_position(session, scope),
        )
        insert_new(session, row)
        return row
    if version is None:
        raise StaleEditError
    claim(session, row, expected=version)
    return row


def save_service(
    scope: str, service_id: str, changes: ServiceChanges, *, version: int | None
) -> ServiceView:
    """Check and store a service's form; returns what the form shows next.

    Raises NotAnAdministratorError, StaleEditError, or ServiceFormError (nothing saved).
    """
    acting_administrator()  # before reading anything
    problems = _problems()
    with session_scope() as session:
        _editable_scope_sites(session, scope)
        provider = _provider_for(session, scope, service_id)
        row = find_config(session, scope, service_id)
        if (row.version if row else None) != version:
            raise StaleEditError
        checked = _check(
            provider, row, changes, enabled=bool(row and row.enabled), problems=problems
        )
        _check_issuer(session, scope, service_id, provider, checked.endpoints, problems)
        problems.raise_any()
        changed = _changed_fields(row, checked)
    details = {"scope": scope, "changed": changed}
    with administrator_action("service.update", service_id, details) as session:
        # Sealed first: the encryption state is locked before the service's row, in this
        # order everywhere. Checked against the version read above: if it still holds, so
        # does the check.
        sealed = seal_secrets(session, runtime.keyring(), scope, service_id, checked.secrets)
        row = _claimed_row(session, scope, service_id, provider.id, version)
        row.settings = checked.settings
        row.secrets = sealed
        row.endpoints = checked.endpoints
        row.name = checked.name
        row.updated_at = utcnow()
        session.add(row)
        session.flush()
        view = _view(_editable_scope_sites(session, scope), service_id, provider, row)
    forget_saved(scope, service_id)  # the next sign-in reads the issuer's document again
    return view


def set_enabled(scope: str, service_id: str, enabled: bool, *, version: int | None) -> int | None:
    """Switch a service on (only when its stored settings pass the checks) or off;
    returns the version the form has now."""
    acting_administrator()
    with session_scope() as session:
        _editable_scope_sites(session, scope)
        provider = _provider_for(session, scope, service_id)
        row = find_config(session, scope, service_id)
        if (row.version if row else None) != version:
            raise StaleEditError
        if bool(row and row.enabled) == enabled:
            return version
        if enabled:
            problems = _problems()
            stored = ServiceChanges(
                settings=dict(row.settings) if row else {},
                endpoints=dict(row.endpoints) if row else {},
            )
            _check(provider, row, stored, enabled=True, problems=problems)
            problems.raise_any()
    action = "service.enable" if enabled else "service.disable"
    with administrator_action(action, service_id, {"scope": scope}) as session:
        row = _claimed_row(session, scope, service_id, provider.id, version)
        row.enabled = enabled
        row.updated_at = utcnow()
        session.add(row)
        session.flush()
        return row.version


def move_service(
    scope: str,
    service_id: str,
    offset: int,
    *,
    shown_order: Sequence[str],
    versions: Mapping[str, int | None],
) -> dict[str, int]:
    """Move a service ``offset`` places (-1 up, +1 down; more when dragged) in the button
    order the page showed, the others closing up; returns the new versions of the
    services whose position changed.

    Every stored service is numbered 1, 2, 3... in the new order; a built-in service not
    stored yet is stored when it moves or something below it does.
    """
    acting_administrator()
    order = list(shown_order)
    if service_id not in order:
        raise StaleEditError
    here = order.index(service_id)
    there = here + offset
    if not 0 <= there < len(order):
        return {}
    order.insert(there, order.pop(here))
    with administrator_action("service.reorder", scope, {"order": order}) as session:
        _editable_scope_sites(session, scope)
        rows = {
            row.service_id: row
            for row in configs_in_scope(session, scope)
            if row.provider in PROVIDERS  # as listed by the editor
        }
        shown_stored = [sid for sid in shown_order if versions.get(sid) is not None]
        if shown_stored != list(rows):  # configs_in_scope: in position order
            raise StaleEditError  # someone stored, added, removed or moved one meanwhile
        last_stored = max((order.index(sid) for sid in rows), default=-1)
        changed: dict[str, int] = {}
        for index, sid in enumerate(order[: max(here, there, last_stored) + 1]):
            stored = rows.get(sid)
            if stored is not None and stored.position == index + 1:
                continue
            provider = _provider_for(session, scope, sid)
            row = _claimed_row(session, scope, sid, provider.id, versions.get(sid))
            row.position = index + 1
            session.add(row)
            changed[sid] = row.version
        session.flush()
        return changed


def add_service(scope: str, service_id: str, name: str) -> ServiceView:
    """Add an OpenID Connect service under the administrator's id and name (switched off
    until its settings are complete). Raises ServiceFormError for a bad id or name."""
    acting_administrator()
    service_id = service_id.strip()
    name = name.strip()
    problems = _problems()
    check_service_id(service_id, PROVIDERS[CUSTOM_PROVIDER], _PLACES, problems)
    check_name(name, "name", problems, required=True)
    with session_scope() as session:
        _editable_scope_sites(session, scope)
        if "service_id" not in problems.found and find_config(session, scope, service_id):
            problems.add("service_id", N_("'{value}' is taken"), value=service_id)
    problems.raise_any()
    details = {"scope": scope, "provider": CUSTOM_PROVIDER, "name": name}
    with administrator_action("service.add", service_id, details) as session:
        sites = _editable_scope_sites(session, scope)
        if find_config(session, scope, service_id) is not None:
            raise StaleEditError  # added by someone else a moment ago
        row = ConfiguredService(
            scope=scope,
            service_id=service_id,
            provider=CUSTOM_PROVIDER,
            name=name,
            position=next_position(session, scope),
        )
        insert_new(session, row)
        return _view(sites, service_id, PROVIDERS[CUSTOM_PROVIDER], row)


def remove_service(scope: str, service_id: str, *, version: int | None) -> None:
    """Remove an added (OpenID Connect) service with its settings."""
    with administrator_action("service.remove", service_id, {"scope": scope}) as session:
        _editable_scope_sites(session, scope)
        row = find_config(session, scope, service_id)
        if row is None or version is None:
            raise StaleEditError
        provider = PROVIDERS.get(row.provider)
        if provider is None or not provider.multiple:
            raise StaleEditError  # built-in services stay in the catalogue
        claim(session, row, expected=version)
        session.delete(row)
