"""The one rule about issuers and linked accounts: an account id is unique only within
the issuer that vouches for it, so a service keeps its issuer for as long as accounts
are linked through it, whichever way it is edited (the admin pages, the config file).

Each link records its issuer and sign-in finds links through it too
(``models.linked_accounts.find_link``): this rule is what keeps an administrator from
cutting people off their accounts by accident, and says so before anything is saved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session

from admin_app.core.i18n import N_
from models.linked_accounts import (
    linked_issuers,
    record_unknown_issuers,
    services_with_unknown_issuers,
)
from models.services import configs_of_service
from providers import PROVIDERS

MAX_ISSUER_LENGTH = 500  # models.tables.LinkedAccount.issuer


def identity_issuer(provider_id: str, endpoints: Mapping[str, str]) -> str:
    """Who vouches for the account ids of a service with these endpoint overrides, as
    links record it: one longer than the column (an endpoint may have 2,000 characters)
    is kept as its digest, still exact."""
    provider = PROVIDERS.get(provider_id)
    issuer = provider.identity_issuer(endpoints) if provider else ""
    if len(issuer) > MAX_ISSUER_LENGTH:
        return "sha256:" + hashlib.sha256(issuer.encode("utf-8", "surrogatepass")).hexdigest()
    return issuer


@dataclass(frozen=True)
class IssuerProblem:
    """Why a service cannot take an issuer; ``message`` is a message id to format with
    ``params``."""

    message: str
    params: dict[str, object]


def moving_problem(session: Session, service_id: str, wanted: str) -> IssuerProblem | None:
    """Why ``service_id`` may not vouch through ``wanted`` now, or None. Links whose
    issuer is unknown (made before issuers were recorded, by a service removed since)
    hold their id for good: nobody can tell whose accounts they are."""
    if not wanted:  # nothing vouches yet: no sign-in can start, nobody can be reached
        return None
    linked = linked_issuers(session, service_id)
    unknown = linked.get("", 0)
    if unknown:
        return IssuerProblem(
            N_(
                "Accounts linked through an earlier service with the id '{value}' ({count}) "
                "have an unknown issuer: choose another id."
            ),
            {"count": unknown, "value": service_id},
        )
    elsewhere = {issuer: count for issuer, count in linked.items() if issuer not in ("", wanted)}
    if not elsewhere:
        return None
    issuer = max(elsewhere, key=elsewhere.__getitem__)  # the one most accounts came from
    return IssuerProblem(
        N_(
            "'{value}' has linked accounts ({count}) from the issuer {issuer}: its issuer "
            "cannot change to {wanted}. Add the new issuer as another service."
        ),
        {"count": sum(elsewhere.values()), "value": service_id, "issuer": issuer, "wanted": wanted},
    )


def record_missing_issuers(session: Session) -> int:
    """Give links made before issuers were recorded their service's issuer: the one it is
    configured with, else its provider's own; a service that is gone and had no default
    issuer leaves its links unknown. Runs at every start, before anything is served."""
    filled = 0
    for service_id, provider_id in services_with_unknown_issuers(session):
        configured = {
            identity_issuer(row.provider, row.endpoints)
            for row in configs_of_service(session, service_id)
        }
        issuers = configured or {identity_issuer(provider_id, {})}
        if len(issuers) == 1 and (issuer := issuers.pop()):
            filled += record_unknown_issuers(session, service_id, issuer)
    return filled
