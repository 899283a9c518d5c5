"""The whole configuration as one YAML document: sites, services, registration, activity.

``export_configuration`` writes it; ``import_configuration`` checks every value first and
changes nothing unless all of it is right, reporting each problem with its path
(``services.odnoklassniki.settings.app_id: required``). A section present in the document
replaces that part of the configuration; an absent section is left as it is. A secret
setting absent from the document keeps its stored value, so an export made without
secrets can be imported again. A site without ``region`` (a file written before sites had
regions) gets what the upgrade gave existing sites: the region its domains suggest, and
outside the zones the Russian services shown, so that it keeps offering what it offered;
with a ``region``, ``show_regional_services`` is off unless the file says otherwise, as
for a site made on the sites page. The format is described in docs/config.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from admin_app.activity.delivery_problems import TURNED_OFF
from admin_app.auth.policy import EMAIL_VERIFICATION_MODES, VERIFY_BEFORE
from admin_app.core import bounded_yaml, link_issuers, runtime
from admin_app.core.form_problems import Problems
from admin_app.core.i18n import N_
from admin_app.core.token_storage import secrets_of, secrets_to_keep
from admin_app.provider import application_config
from admin_app.provider.applications import ApplicationValues
from admin_app.provider.claims import SUBJECT_TYPES
from admin_app.services.validation import (
    ServicePlaces,
    SitePlaces,
    check_service,
    check_service_id,
    check_site,
)
from models import audit, outbox
from models.db import session_scope
from models.options import (
    DENIED_AUTH,
    DENIED_LINK,
    activity_options,
    denied_group_codes,
    group_codes,
    registration_options,
    set_denied_groups,
)
from models.services import (
    COMMON,
    ServiceValues,
    configs_in_scope,
    remove_scope,
    replace_scope,
    scopes_in_use,
)
from models.sites import ZONES, host_names_of, list_sites, region_of_host_names, replace_sites
from models.tables import ConfiguredService, Site
from providers import PROVIDERS
from providers.base import Provider

SECTIONS = ("sites", "services", "site_services", "registration", "activity", "applications")
HASHTAG = re.compile(r"^#?\w{1,100}$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the document: where, and what (an English message id)."""

    path: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def line(self, translate: Callable[[str], str] = lambda message: message) -> str:
        return f"{self.path}: " + translate(self.message).format(**self.params)


class ConfigFileError(Exception):
    """The document cannot be imported; ``problems`` says everything that is wrong."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(problem.line() for problem in problems))
        self.problems = problems


@dataclass
class ImportSummary:
    sites: int = 0
    services: int = 0
    removed_sites: list[str] = field(default_factory=list)
    applications: int = 0


# ------------------------------------------------------------------------- export


def export_configuration(*, with_secrets: bool) -> str:
    with session_scope() as session:
        sites = list_sites(session)
        common = configs_in_scope(session, COMMON)
        per_site = {
            scope: configs_in_scope(session, scope)
            for scope in scopes_in_use(session)
            if scope != COMMON
        }
        registration = registration_options(session)
        activity = activity_options(session)
        document: dict[str, Any] = {
            "sites": [
                {
                    "id": site.id,
                    "name": site.name,
                    "domains": host_names_of(site),
                    "default": site.is_default,
                    "individual_settings": site.individual_settings,
                    "subject_type": site.subject_type,
                    "region": site.region,
                    "show_regional_services": site.show_regional_services,
                }
                for site in sites
            ],
            "services": _export_services(common, with_secrets),
            "site_services": {
                scope: _export_services(configs, with_secrets)
                for scope, configs in sorted(per_site.items())
            },
            "registration": {
                "allow_self_registration": registration.allow_self_registration,
                "allow_social_registration": registration.allow_social_registration,
                "email_verification": registration.email_verification,
                "require_email": registration.require_email,
                "denied_auth_groups": denied_group_codes(session, DENIED_AUTH),
                "denied_link_groups": denied_group_codes(session, DENIED_LINK),
            },
            "activity": {
                "send_activity": activity.send_activity,
                "hashtags": list(activity.hashtags),
            },
            "applications": application_config.export(session, with_secrets=with_secrets),
        }
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def _export_services(configs: list[ConfiguredService], with_secrets: bool) -> dict[str, Any]:
    exported: dict[str, Any] = {}
    for config in configs:
        provider = PROVIDERS.get(config.provider)
        entry: dict[str, Any] = {}
        if config.service_id != config.provider:
            entry["provider"] = config.provider
        if config.name:
            entry["name"] = config.name
        entry["enabled"] = config.enabled
        entry["position"] = config.position
        secrets = secrets_of(config) if with_secrets else {}
        values = {**config.settings, **secrets}
        order = [f.key for f in provider.fields] if provider else sorted(values)
        settings = {key: values[key] for key in order if values.get(key)}
        if settings:
            entry["settings"] = settings
        if config.endpoints:
            entry["endpoints"] = dict(config.endpoints)
        exported[config.service_id] = entry
    return exported


# ------------------------------------------------------------------------- import


class _Errors(Problems):
    """The document's problems by path (the places ``validation`` reports at), and the
    readers of its values, which report what cannot be read."""

    def in_order(self) -> list[Problem]:
        return [
            Problem(path, problem.message, problem.params)
            for path, problems in self.found.items()
            for problem in problems
        ]

    def take(self, other: Problems) -> None:
        """Add ``other``'s problems (one entry's, checked on their own)."""
        for path, problems in other.found.items():
            self.found.setdefault(path, []).extend(problems)

    def mapping(self, value: Any, path: str) -> dict[str, Any] | None:
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            self.add(path, N_("must be a mapping"))
            return None
        return value

    def unknown_keys(self, value: Mapping[str, Any], path: str, allowed: tuple[str, ...]) -> None:
        for key in value:
            if key not in allowed:
                self.add(f"{path}.{key}" if path else str(key), N_("unknown field"))

    def boolean(self, value: Any, path: str, default: bool = False) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.add(path, N_("must be true or false"))
            return default
        return value

    def string(self, value: Any, path: str, *, required: bool = False) -> str:
        if value is None or value == "":
            if required:
                self.add(path, N_("required"))
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.add(path, N_("must be text"))
            return ""
        return str(value).strip()

    def text(self, value: Any, path: str) -> str:
        """A value that must be written as text: YAML would turn an unquoted 0123 into
        83 and 1:30 into 90, so numbers are refused rather than guessed."""
        if value is None or value == "":
            return ""
        if not isinstance(value, str):
            self.add(path, N_("must be text (put numbers in quotes)"))
            return ""
        return value.strip()

    def string_list(self, value: Any, path: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(path, N_("must be a list"))
            return []
        return [
            self.string(item, f"{path}[{index}]", required=True) for index, item in enumerate(value)
        ]


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice (YAML would keep the last one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


@dataclass
class _Plan:
    """Everything the document asks for, checked, ready to store in one transaction."""

    sites: list[Site] | None = None
    scopes: dict[str, list[ServiceValues]] = field(default_factory=dict)
    replace_site_scopes: bool = False
    registration: dict[str, Any] | None = None
    activity: dict[str, Any] | None = None
    applications: list[ApplicationValues] | None = None


def import_configuration(
    document: str, *, actor: audit.Actor = audit.COMMAND_LINE
) -> ImportSummary:
    """Check the whole document, then apply it at once, with its audit entry by ``actor``;
    raises ConfigFileError. A document beyond ``bounded_yaml``'s bounds (1 MiB, nesting,
    aliases) is one problem, found before anything is read."""
    errors = _Errors()
    try:
        data = bounded_yaml.load(document, _UniqueKeyLoader)
    except bounded_yaml.YamlLimitError as error:
        raise ConfigFileError([Problem(error.where, error.message, error.params)]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(document)"
        reason = str(getattr(error, "problem", None) or error)
        raise ConfigFileError(
            [Problem(where, N_("not valid YAML ({reason})"), {"reason": reason})]
        ) from None
    top = errors.mapping(data, "(document)")
    if top is None:
        raise ConfigFileError(errors.in_order())
    errors.unknown_keys(top, "", SECTIONS)
    with session_scope() as session:
        plan = _plan(session, top, errors)
        if errors.found:
            raise ConfigFileError(errors.in_order())
        summary = _apply(session, plan)
        audit.record_by(
            session,
            actor,
            "config.import",
            "configuration",
            {
                "sections": [section for section in SECTIONS if section in top],
                "sites": summary.sites,
                "services": summary.services,
                "removed_sites": summary.removed_sites,
                "applications": summary.applications,
            },
        )
        return summary


def _plan(session: Any, top: dict[str, Any], errors: _Errors) -> _Plan:
    plan = _Plan()
    stored_sites = {site.id: site for site in list_sites(session)}
    if "sites" in top:
        plan.sites = _check_sites(top["sites"], errors)
    site_ids = {site.id for site in plan.sites} if plan.sites is not None else set(stored_sites)
    stored = {
        scope: {c.service_id: c for c in configs_in_scope(session, scope)}
        for scope in scopes_in_use(session)
    }
    if "services" in top:
        services = errors.mapping(top["services"], "services")
        if services is not None:
            plan.scopes[COMMON] = _check_services(
                services, "services", stored.get(COMMON, {}), errors
            )
    if "site_services" in top:
        plan.replace_site_scopes = True
        per_site = errors.mapping(top["site_services"], "site_services")
        for site_id, services in (per_site or {}).items():
            path = f"site_services.{site_id}"
            if site_id not in site_ids:
                errors.add(path, N_("no such site"))
                continue
            checked = errors.mapping(services, path)
            if checked is not None:
                plan.scopes[site_id] = _check_services(
                    checked, path, stored.get(site_id, {}), errors
                )
    _check_issuers(session, plan, stored, errors)
    if "registration" in top:
        plan.registration = _check_registration(top["registration"], group_codes(session), errors)
    if "activity" in top:
        plan.activity = _check_activity(top["activity"], errors)
    if "applications" in top:
        plan.applications = application_config.read(
            session, top["applications"], errors, site_ids=site_ids
        )
    return plan


def _check_issuers(
    session: Any,
    plan: _Plan,
    stored: Mapping[str, Mapping[str, ConfiguredService]],
    errors: _Errors,
) -> None:
    """The editor's rule (``link_issuers``), for a whole document: a service id keeps one
    issuer in every scope, and while accounts are linked through it, the issuer they were
    linked with, whether the service is kept, changed or given again after a removal."""
    after: dict[str, dict[str, str]] = {}  # service id: scope: issuer
    for scope, configs in stored.items():
        if scope in plan.scopes or (plan.replace_site_scopes and scope != COMMON):
            continue  # the scopes the document replaces start empty
        for service_id, config in configs.items():
            issuer = link_issuers.identity_issuer(config.provider, config.endpoints)
            after.setdefault(service_id, {})[scope] = issuer
    for scope, services in plan.scopes.items():
        for values in services:
            issuer = link_issuers.identity_issuer(values.provider, values.endpoints)
            after.setdefault(values.service_id, {})[scope] = issuer
    given = {values.service_id for services in plan.scopes.values() for values in services}
    for service_id, scopes in after.items():
        if service_id not in given:
            continue  # as stored: checked when it was saved
        issuers = set(scopes.values()) - {""}
        path = f"services.{service_id}.endpoints.issuer"
        if len(issuers) > 1:
            errors.add(
                path,
                N_("one service id, one issuer: '{value}' is given {issuers}"),
                value=service_id,
                issuers=", ".join(sorted(issuers)),
            )
            continue
        problem = link_issuers.moving_problem(session, service_id, next(iter(issuers), ""))
        if problem is not None:
            errors.add(path, problem.message, **problem.params)


def _site_places(path: str) -> SitePlaces:
    return SitePlaces(
        id=f"{path}.id",
        name=f"{path}.name",
        host_names=f"{path}.domains",
        host=lambda index: f"{path}.domains[{index}]",
        region=f"{path}.region",
    )


def _check_sites(value: Any, errors: _Errors) -> list[Site]:
    if not isinstance(value, list) or not value:
        errors.add("sites", N_("must be a list with at least one site"))
        return []
    sites: list[Site] = []
    claimed: dict[str, str] = {}  # a host name: the site listed before that has it
    for index, item in enumerate(value):
        path = f"sites[{index}]"
        entry = errors.mapping(item, path)
        if entry is None:
            continue
        errors.unknown_keys(
            entry,
            path,
            (
                "id",
                "name",
                "domains",
                "default",
                "individual_settings",
                "subject_type",
                "region",
                "show_regional_services",
            ),
        )
        subject_type = errors.string(entry.get("subject_type"), f"{path}.subject_type") or "public"
        if subject_type not in SUBJECT_TYPES:
            errors.add(f"{path}.subject_type", N_("public or pairwise"))
        site_id = errors.string(entry.get("id"), f"{path}.id")
        name = errors.string(entry.get("name"), f"{path}.name")
        domains = [d.lower() for d in errors.string_list(entry.get("domains"), f"{path}.domains")]
        given = errors.string(entry.get("region"), f"{path}.region").lower()
        region = given or region_of_host_names(domains)
        show_regional = errors.boolean(
            entry.get("show_regional_services"),
            f"{path}.show_regional_services",
            default=not given and region not in ZONES,
        )
        check_site(
            site_id,
            name,
            domains,
            region=region,
            claimed=claimed,
            places=_site_places(path),
            problems=errors,
        )
        if site_id in {site.id for site in sites}:
            errors.add(f"{path}.id", N_("'{value}' appears twice"), value=site_id)
        for domain in domains:
            claimed.setdefault(domain, site_id)
        sites.append(
            Site(
                id=site_id,
                name=name,
                host_names=" ".join(domains),
                is_default=errors.boolean(entry.get("default"), f"{path}.default"),
                individual_settings=errors.boolean(
                    entry.get("individual_settings"), f"{path}.individual_settings"
                ),
                subject_type=subject_type,
                region=region,
                show_regional_services=show_regional,
            )
        )
    if sites and sum(site.is_default for site in sites) != 1:
        errors.add("sites", N_("exactly one site must be the default"))
    return sites


def _service_places(here: str) -> ServicePlaces:
    """The document's paths; the provider's own verdict is reported at the settings as a
    whole (the editor shows it next to the setting it names)."""
    return ServicePlaces(
        service_id=here,
        provider=f"{here}.provider",
        name=f"{here}.name",
        setting=lambda key: f"{here}.settings.{key}",
        endpoint=lambda key: f"{here}.endpoints.{key}",
        verdict=lambda _named: f"{here}.settings",
    )


def _check_services(
    services: dict[str, Any], path: str, stored: Mapping[str, ConfiguredService], errors: _Errors
) -> list[ServiceValues]:
    checked: list[ServiceValues] = []
    positions: dict[int, str] = {}
    for order, (service_id, item) in enumerate(services.items(), start=1):
        here = f"{path}.{service_id}"
        entry = errors.mapping(item, here)
        if entry is None:
            continue
        errors.unknown_keys(
            entry, here, ("provider", "name", "enabled", "position", "settings", "endpoints")
        )
        provider_id = errors.string(entry.get("provider"), f"{here}.provider") or service_id
        provider = PROVIDERS.get(provider_id)
        if provider is None:
            errors.add(
                here if "provider" not in entry else f"{here}.provider",
                N_("unknown service '{value}' (known: {known})"),
                value=provider_id,
                known=", ".join(PROVIDERS),
            )
            continue
        # This service's problems on their own: the provider is asked only without any.
        found = _Errors()
        places = _service_places(here)
        check_service_id(service_id, provider, places, found)
        enabled = found.boolean(entry.get("enabled"), f"{here}.enabled")
        position = entry.get("position", order)
        if isinstance(position, bool) or not isinstance(position, int) or position < 1:
            found.add(f"{here}.position", N_("must be a whole number from 1"))
            position = order
        elif "position" in entry and position in positions:
            found.add(
                f"{here}.position",
                N_("{value} is the position of '{other}' too"),
                value=position,
                other=positions[position],
            )
        if "position" in entry:
            positions[position] = service_id
        endpoints = _read_endpoints(provider, entry.get("endpoints"), f"{here}.endpoints", found)
        kept = secrets_to_keep(
            stored.get(service_id), provider_id, entry.get("settings"), endpoints
        )
        settings, secrets = _read_settings(
            provider, entry.get("settings"), f"{here}.settings", kept, found
        )
        name = found.string(entry.get("name"), f"{here}.name")
        check_service(
            provider,
            settings=settings,
            secrets=secrets,
            endpoints=endpoints,
            name=name,
            enabled=enabled,
            name_required=False,
            places=places,
            problems=found,
        )
        errors.take(found)
        checked.append(
            ServiceValues(
                service_id=service_id,
                provider=provider_id,
                name=name,
                enabled=enabled,
                position=position,
                settings=settings,
                secrets=secrets,
                endpoints=endpoints,
            )
        )
    # The button order: by position, services without one where they stand in the file
    # stored as 1, 2, 3... so that an export shows the order plainly.
    # (A service with an explicit position goes before one that only has its place.)
    ordered = sorted(
        enumerate(checked),
        key=lambda pair: (pair[1].position, pair[1].service_id not in positions.values(), pair[0]),
    )
    return [replace(values, position=number) for number, (_, values) in enumerate(ordered, start=1)]


def _read_settings(
    provider: type[Provider],
    value: Any,
    path: str,
    kept_secrets: Mapping[str, str],
    errors: _Errors,
) -> tuple[dict[str, str], dict[str, str]]:
    """The settings given (the secret ones apart), or kept: checked by ``check_service``."""
    given = errors.mapping(value, path) or {}
    fields = {f.key: f for f in provider.fields}
    errors.unknown_keys(given, path, tuple(fields))
    settings: dict[str, str] = {}
    secrets: dict[str, str] = {}
    for key, setting in fields.items():
        text = errors.text(given.get(key), f"{path}.{key}")
        if setting.secret and key not in given:
            text = kept_secrets.get(key, "")  # not exported without --with-secrets: kept
        if text:
            (secrets if setting.secret else settings)[key] = text
    return settings, secrets


def _read_endpoints(
    provider: type[Provider], value: Any, path: str, errors: _Errors
) -> dict[str, str]:
    """The endpoint overrides given: checked by ``check_service``."""
    given = errors.mapping(value, path) or {}
    errors.unknown_keys(given, path, provider.endpoint_keys())
    endpoints: dict[str, str] = {}
    for key in provider.endpoint_keys():
        url = errors.text(given.get(key), f"{path}.{key}")
        if url:
            endpoints[key] = url
    return endpoints


def _check_registration(
    value: Any, known_groups: set[str], errors: _Errors
) -> dict[str, Any] | None:
    entry = errors.mapping(value, "registration")
    if entry is None:
        return None
    keys = (
        "allow_self_registration",
        "allow_social_registration",
        "denied_auth_groups",
        "denied_link_groups",
        "email_verification",
        "require_email",
    )
    errors.unknown_keys(entry, "registration", keys)
    checked: dict[str, Any] = {
        "allow_self_registration": errors.boolean(
            entry.get("allow_self_registration"), "registration.allow_self_registration"
        ),
        "allow_social_registration": errors.boolean(
            entry.get("allow_social_registration"), "registration.allow_social_registration", True
        ),
        "email_verification": errors.string(
            entry.get("email_verification"), "registration.email_verification"
        )
        or VERIFY_BEFORE,
        "require_email": errors.boolean(entry.get("require_email"), "registration.require_email"),
    }
    if checked["email_verification"] not in EMAIL_VERIFICATION_MODES:
        errors.add(
            "registration.email_verification",
            N_("must be one of: {known}"),
            known=", ".join(EMAIL_VERIFICATION_MODES),
        )
    for key in ("denied_auth_groups", "denied_link_groups"):
        codes = errors.string_list(entry.get(key), f"registration.{key}")
        for index, code in enumerate(codes):
            if code and code not in known_groups:
                errors.add(
                    f"registration.{key}[{index}]", N_("no group with code '{value}'"), value=code
                )
        checked[key] = sorted(set(codes))
    return checked


def _check_activity(value: Any, errors: _Errors) -> dict[str, Any] | None:
    entry = errors.mapping(value, "activity")
    if entry is None:
        return None
    errors.unknown_keys(entry, "activity", ("send_activity", "hashtags"))
    hashtags: list[str] = []
    for index, tag in enumerate(errors.string_list(entry.get("hashtags"), "activity.hashtags")):
        if not HASHTAG.fullmatch(tag):
            errors.add(f"activity.hashtags[{index}]", N_("'{value}' is not a hashtag"), value=tag)
        elif "#" + tag.lstrip("#") not in hashtags:
            hashtags.append("#" + tag.lstrip("#"))
    return {
        "send_activity": errors.boolean(entry.get("send_activity"), "activity.send_activity"),
        "hashtags": hashtags,
    }


def _apply(session: Any, plan: _Plan) -> ImportSummary:
    summary = ImportSummary()
    if plan.sites is not None:
        summary.removed_sites = replace_sites(session, plan.sites)
        summary.sites = len(plan.sites)
        for site_id in summary.removed_sites:
            remove_scope(session, site_id)
    if plan.replace_site_scopes:
        for scope in scopes_in_use(session):
            if scope != COMMON and scope not in plan.scopes:
                remove_scope(session, scope)
    for scope, services in plan.scopes.items():
        replace_scope(session, runtime.keyring(), scope, services)
        summary.services += len(services)
    if plan.registration is not None:
        options = registration_options(session)
        options.allow_self_registration = plan.registration["allow_self_registration"]
        options.allow_social_registration = plan.registration["allow_social_registration"]
        options.email_verification = plan.registration["email_verification"]
        options.require_email = plan.registration["require_email"]
        session.add(options)
        set_denied_groups(session, DENIED_AUTH, plan.registration["denied_auth_groups"])
        set_denied_groups(session, DENIED_LINK, plan.registration["denied_link_groups"])
    if plan.activity is not None:
        activity = activity_options(session)
        if activity.send_activity and not plan.activity["send_activity"]:
            outbox.cancel_pending(session, TURNED_OFF)  # as switching it off in the page
        activity.send_activity = plan.activity["send_activity"]
        activity.hashtags = plan.activity["hashtags"]
        session.add(activity)
    if plan.applications is not None:
        summary.applications = application_config.apply(session, plan.applications)
    return summary
