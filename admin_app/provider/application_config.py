"""The config file's ``applications`` section: read and checked with the same rules as
the site's page (``applications.check``), written back by ``config export``.

A client secret is written only with ``--with-secrets``; a confidential application
imported without one keeps its stored secret (a new one must bring its own). The
section replaces: applications it does not list are removed, their grants with them.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from admin_app.core import runtime
from admin_app.core.form_problems import Problems
from admin_app.core.i18n import N_
from models import applications as stored
from models.options import group_codes
from models.tables import Application

from .applications import ApplicationPlaces, ApplicationValues, check, store

FIELDS = (
    "id",
    "site",
    "name",
    "kind",
    "client_id",
    "client_secret",
    "redirect_uris",
    "post_logout_redirect_uris",
    "allowed_groups",
    "hosts",
    "backchannel_logout_uri",
)


def export(session: Session, *, with_secrets: bool) -> list[dict[str, Any]]:
    entries = []
    for row in stored.every_application(session):
        entry: dict[str, Any] = {
            "id": row.id,
            "site": row.site_id,
            "name": row.name,
            "kind": row.kind,
        }
        if row.kind != stored.PROXY:
            entry["client_id"] = row.client_id
        if with_secrets and row.client_secret:
            entry["client_secret"] = stored.open_secret(runtime.keyring(), row)
        if row.kind == stored.PROXY:
            entry["hosts"] = list(row.hosts)
        else:
            entry["redirect_uris"] = list(row.redirect_uris)
            entry["post_logout_redirect_uris"] = list(row.post_logout_redirect_uris)
        if row.backchannel_logout_uri:
            entry["backchannel_logout_uri"] = row.backchannel_logout_uri
        if not row.everyone:
            entry["allowed_groups"] = list(row.allowed_groups)
        entries.append(entry)
    return entries


def read(
    session: Session, value: Any, errors: Any, *, site_ids: set[str]
) -> list[ApplicationValues]:
    """The section's applications, each checked; problems go to ``errors`` (the config
    file's reader, whose paths name the entry: ``applications[0].redirect_uris``)."""
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add("applications", N_("must be a list"))
        return []
    existing = {row.id: row for row in stored.every_application(session)}
    codes = group_codes(session)
    taken: dict[str, str] = {}
    taken_hosts: dict[str, str] = {}
    result: list[ApplicationValues] = []
    for index, item in enumerate(value):
        path = f"applications[{index}]"
        entry = errors.mapping(item, path)
        if entry is None:
            continue
        errors.unknown_keys(entry, path, FIELDS)
        values = ApplicationValues(
            id=errors.string(entry.get("id"), f"{path}.id", required=True),
            site_id=errors.string(entry.get("site"), f"{path}.site", required=True),
            name=errors.string(entry.get("name"), f"{path}.name"),
            kind=errors.string(entry.get("kind"), f"{path}.kind") or stored.CONFIDENTIAL,
            client_id=errors.text(entry.get("client_id"), f"{path}.client_id"),
            client_secret=errors.text(entry.get("client_secret"), f"{path}.client_secret") or None,
            redirect_uris=errors.string_list(entry.get("redirect_uris"), f"{path}.redirect_uris"),
            post_logout_redirect_uris=errors.string_list(
                entry.get("post_logout_redirect_uris"), f"{path}.post_logout_redirect_uris"
            ),
            allowed_groups=(
                errors.string_list(entry.get("allowed_groups"), f"{path}.allowed_groups")
                if "allowed_groups" in entry
                else None
            ),
            hosts=[
                host.lower() for host in errors.string_list(entry.get("hosts"), f"{path}.hosts")
            ],
            backchannel_logout_uri=errors.text(
                entry.get("backchannel_logout_uri"), f"{path}.backchannel_logout_uri"
            ),
        )
        problems = Problems()
        check(
            values,
            problems,
            places=ApplicationPlaces(f"{path}."),
            site_ids=site_ids,
            group_codes=codes,
            taken_client_ids=taken,
            taken_hosts=taken_hosts,
        )
        errors.take(problems)
        for host in values.hosts if values.kind == stored.PROXY else []:
            taken_hosts.setdefault(host, values.id)
        if values.id in {other.id for other in result}:
            errors.add(f"{path}.id", N_("'{value}' appears twice"), value=values.id)
        row = existing.get(values.id)
        if not values.client_id:
            values.client_id = row.client_id if row is not None else ""
        if not values.client_id and values.kind != stored.PROXY:  # a proxy's is never used
            errors.add(f"{path}.client_id", N_("required"))
        if values.client_id:
            taken.setdefault(values.client_id, values.id)
        needs_secret = values.kind == stored.CONFIDENTIAL and values.client_secret is None
        if needs_secret and (row is None or not row.client_secret):
            errors.add(f"{path}.client_secret", N_("required: no secret is stored for it"))
        result.append(values)
    return result


def apply(session: Session, entries: list[ApplicationValues]) -> int:
    """Make the stored applications exactly ``entries``; how many there are."""
    stored.remove_except(session, [values.id for values in entries])
    session.flush()
    for values in entries:
        store(session, values, session.get(Application, values.id))
    return len(entries)
