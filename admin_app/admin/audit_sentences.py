"""An audit entry as a sentence a person reads: "anna switched Yandex off on site Shop".

One template per action code, filled in from the entry's target and details, with the
names of the services, sites, groups, applications and users they point to (as they are
called now; the stored id when the thing is gone). A code without a template still reads
as a sentence ("… did service.frobnicate on yandex"), so that nothing is hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from admin_app.admin.builtin_names import group_name, site_name
from admin_app.core.i18n import N_, _
from models.services import COMMON
from models.tables import AuditEntry

#: what each kind of action is about (the code's part before the dot), for the "what" filter
ACTION_KINDS: dict[str, str] = {
    "service": N_("Services"),
    "site": N_("Sites"),
    "application": N_("Applications"),
    "user": N_("Users"),
    "group": N_("Groups"),
    "registration": N_("Registration rules"),
    "activity": N_("Activity"),
    "mail": N_("Mail"),
    "password": N_("Password resets"),
    "encryption": N_("Encryption"),
    "oidc": N_("Signing keys"),
    "administrator": N_("Administrators"),
    "config": N_("Configuration file"),
}


@dataclass(frozen=True)
class Names:
    """What the ids an entry holds are called now; an id missing here is shown as it is."""

    services: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (scope, id)
    sites: Mapping[str, str] = field(default_factory=dict)
    groups: Mapping[str, str] = field(default_factory=dict)  # by code
    applications: Mapping[str, str] = field(default_factory=dict)
    users: Mapping[int, str] = field(default_factory=dict)  # login by id

    def site(self, site_id: str) -> str:
        return self.sites.get(site_id, site_id)

    def service(self, scope: str, service_id: str, fallback: str = "") -> str:
        return self.services.get((scope, service_id)) or fallback or service_id

    def group(self, code: str, fallback: str = "") -> str:
        return self.groups.get(code) or fallback or code

    def user(self, target: str) -> str:
        """A ``user:<login>`` or ``user:<id>`` target as the user's login."""
        named = _after(target, "user:")
        if named.isdigit():
            return self.users.get(int(named), named)
        return named


def stored_names(
    *,
    services: Mapping[tuple[str, str], str],
    sites: Mapping[str, str],
    groups: Mapping[str, str],
    applications: Mapping[str, str],
    users: Mapping[int, str],
) -> Names:
    """``Names`` from the stored ones (groups by code): sites and groups are shown
    translated while they keep their built-in names."""
    return Names(
        services=services,
        sites={site_id: site_name(name) for site_id, name in sites.items()},
        groups={code: group_name(code, name) for code, name in groups.items()},
        applications=applications,
        users=users,
    )


def user_id_in(entry: AuditEntry) -> int | None:
    """The user id a ``user:<id>`` target names (registrations, password resets)."""
    named = _after(entry.target, "user:")
    return int(named) if named.isdigit() else None


def _after(text: str, prefix: str) -> str:
    return text.removeprefix(prefix)


def _where(names: Names, scope: str) -> str:
    if scope == COMMON:
        return _("in the common settings")
    return _("on site {site}").format(site=names.site(scope))


def _listed(items: Any) -> str:
    return ", ".join(str(item) for item in items) if isinstance(items, list) else ""


_Sentence = Callable[[str, Names, AuditEntry, Mapping[str, Any]], str]


def _service(template: str) -> _Sentence:
    def sentence(actor: str, names: Names, entry: AuditEntry, details: Mapping[str, Any]) -> str:
        scope = str(details.get("scope", COMMON))
        service = names.service(scope, entry.target, str(details.get("name", "")))
        return _(template).format(actor=actor, service=service, where=_where(names, scope))

    return sentence


def _site(template: str) -> _Sentence:
    def sentence(actor: str, names: Names, entry: AuditEntry, details: Mapping[str, Any]) -> str:
        site_id = _after(entry.target, "site:")
        shown = names.sites.get(site_id) or str(details.get("name", "")) or site_id
        return _(template).format(actor=actor, site=shown)

    return sentence


def _application(template: str) -> _Sentence:
    def sentence(actor: str, names: Names, entry: AuditEntry, details: Mapping[str, Any]) -> str:
        application_id = _after(entry.target, "application:")
        return _(template).format(
            actor=actor,
            application=names.applications.get(application_id, application_id),
            site=names.site(str(details.get("site", ""))),
        )

    return sentence


def _user(template: str) -> _Sentence:
    def sentence(actor: str, names: Names, entry: AuditEntry, details: Mapping[str, Any]) -> str:
        return _(template).format(
            actor=actor,
            user=names.user(entry.target),
            service=names.service(COMMON, str(details.get("service", ""))),
        )

    return sentence


def _group(template: str) -> _Sentence:
    def sentence(actor: str, names: Names, entry: AuditEntry, details: Mapping[str, Any]) -> str:
        code = _after(entry.target, "group:")
        return _(template).format(
            actor=actor, group=names.group(code, str(details.get("name", "")))
        )

    return sentence


def _plain(template: str) -> _Sentence:
    def sentence(actor: str, names: Names, entry: AuditEntry, details: Mapping[str, Any]) -> str:
        return _(template).format(actor=actor, target=entry.target)

    return sentence


def _user_groups(actor: str, names: Names, entry: AuditEntry, details: Mapping[str, Any]) -> str:
    added = [names.group(str(code)) for code in details.get("added", [])]
    removed = [names.group(str(code)) for code in details.get("removed", [])]
    user = names.user(entry.target)
    if added and removed:
        template = N_("{actor} added {user} to {added} and removed them from {removed}")
    elif added:
        template = N_("{actor} added {user} to {added}")
    else:
        template = N_("{actor} removed {user} from {removed}")
    return _(template).format(
        actor=actor, user=user, added=_listed(added), removed=_listed(removed)
    )


def _individual_settings(
    actor: str, names: Names, entry: AuditEntry, details: Mapping[str, Any]
) -> str:
    if details.get("on"):
        template = N_("{actor} gave site {site} its own service settings")
    else:
        template = N_("{actor} switched site {site} back to the common service settings")
    return _site(template)(actor, names, entry, details)


def _reorder(actor: str, names: Names, entry: AuditEntry, details: Mapping[str, Any]) -> str:
    return _("{actor} changed the order of the services {where}").format(
        actor=actor, where=_where(names, entry.target)
    )


def _first_administrator(
    actor: str, names: Names, entry: AuditEntry, details: Mapping[str, Any]
) -> str:
    if details.get("via") == "setup_link":
        return _("{actor} became the first administrator through the set-up link").format(
            actor=actor
        )
    return _("{actor} created the administrator {login}").format(actor=actor, login=entry.target)


SENTENCES: dict[str, _Sentence] = {
    "service.add": _service(N_("{actor} added the service {service} {where}")),
    "service.update": _service(N_("{actor} changed the settings of {service} {where}")),
    "service.enable": _service(N_("{actor} switched {service} on {where}")),
    "service.disable": _service(N_("{actor} switched {service} off {where}")),
    "service.remove": _service(N_("{actor} removed the service {service} {where}")),
    "service.reorder": _reorder,
    "site.create": _site(N_("{actor} created the site {site}")),
    "site.update": _site(N_("{actor} changed the site {site}")),
    "site.delete": _site(N_("{actor} deleted the site {site}")),
    "site.individual_settings": _individual_settings,
    "site.subject_type": _site(
        N_("{actor} changed the user ids site {site} gives its applications")
    ),
    "application.create": _application(
        N_("{actor} registered the application {application} on site {site}")
    ),
    "application.update": _application(N_("{actor} changed the application {application}")),
    "application.new_secret": _application(
        N_("{actor} made a new secret for the application {application}")
    ),
    "application.delete": _application(N_("{actor} deleted the application {application}")),
    "user.block": _user(N_("{actor} blocked {user}")),
    "user.unblock": _user(N_("{actor} unblocked {user}")),
    "user.unlink": _user(N_("{actor} removed the {service} account linked to {user}")),
    "user.revoke": _user(
        N_(
            "{service} withdrew the access it had given to the account of {user} that {actor} unlinked"
        )
    ),
    "user.revoke_failed": _user(
        N_(
            "{service} could not be told to withdraw the access it had given to the account of "
            "{user} that {actor} unlinked"
        )
    ),
    "user.groups": _user_groups,
    "user.register": _plain(N_("{actor} signed up")),
    "password.reset": _plain(N_("{actor} reset their password")),
    "group.create": _group(N_("{actor} created the group {group}")),
    "group.update": _group(N_("{actor} changed the group {group}")),
    "group.delete": _group(N_("{actor} deleted the group {group}")),
    "registration.update": _plain(N_("{actor} changed the registration rules")),
    "activity.update": _plain(N_("{actor} changed the activity publishing settings")),
    "mail.test": _plain(N_("{actor} sent a test message to {target}")),
    "encryption.enable": _plain(N_("{actor} switched token encryption on")),
    "encryption.rotate_key": _plain(N_("{actor} changed the encryption key")),
    "oidc.rotate_key": _plain(N_("{actor} replaced the keys that sign sign-in tokens")),
    "administrator.create": _first_administrator,
    "config.import": _plain(N_("{actor} imported a configuration file")),
}


def sentence(entry: AuditEntry, actor: str, names: Names) -> str:
    """The entry as one sentence in the reader's language."""
    write = SENTENCES.get(entry.action)
    if write is None:
        return _("{actor} did {action} on {target}").format(
            actor=actor, action=entry.action, target=entry.target or "—"
        )
    return write(actor, names, entry, entry.details if isinstance(entry.details, dict) else {})
