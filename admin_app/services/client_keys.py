"""A service's own key for ``private_key_jwt``: made here, kept sealed like its other
secrets, its public half shown to the administrator and served at a stable URL.

The private key is the service's ``client_key`` secret setting, so it is stored, sealed,
re-keyed and dropped by the same rules as a client secret (``core/token_storage``); only
its public half ever leaves this module. The issuer reads that half from the service's
JWKS URL (``jwks_path``), so a key made anew reaches it without a change at the issuer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from admin_app.auth.admin_access import acting_administrator
from admin_app.core import runtime
from admin_app.core.token_storage import secrets_of, secrets_to_keep
from admin_app.services.service_editing import ServiceChanges, ServiceView, save_service
from models.db import read_scope
from models.services import find_config
from providers import PROVIDERS
from providers.base import ProviderError
from providers.client_assertion import new_client_key, public_jwks

KEY = "client_key"  # the secret setting that holds the private key (PEM)
METHOD = "private_key_jwt"


@dataclass(frozen=True)
class ClientKeyView:
    """What the administrator registers at the issuer: the JWKS URL, or the key itself."""

    jwks_url: str
    jwk: str  # the public JWK, as JSON text


def has_client_key(provider_id: str) -> bool:
    """Whether services of this provider can sign in with a key of their own."""
    provider = PROVIDERS.get(provider_id)
    return provider is not None and any(f.key == KEY and f.secret for f in provider.fields)


def jwks_path(scope: str, service_id: str) -> str:
    return f"/oidc-client/{quote(scope, safe='')}/{quote(service_id, safe='')}/jwks.json"


def _stored_key(scope: str, service_id: str) -> str:
    with read_scope() as session:
        row = find_config(session, scope, service_id)
        if row is None or not has_client_key(row.provider) or KEY not in row.secrets:
            return ""
        return secrets_of(row).get(KEY, "")


def public_keys(scope: str, service_id: str) -> dict[str, Any] | None:
    """The JWK Set served at the service's JWKS URL; None when it has no usable key.
    Public: issuers fetch it without signing in."""
    pem = _stored_key(scope, service_id)
    if not pem:
        return None
    try:
        return public_jwks(pem)
    except ProviderError:  # a pasted key the checks refused cannot be stored; be safe
        return None


def key_view(scope: str, service_id: str) -> ClientKeyView | None:
    """The service's JWKS URL and public key for its settings; None without a key.
    Raises NotAnAdministratorError."""
    acting_administrator()
    keys = public_keys(scope, service_id)
    if keys is None:
        return None
    return ClientKeyView(
        jwks_url=runtime.settings().base_url + jwks_path(scope, service_id),
        jwk=json.dumps(keys["keys"][0], indent=2),
    )


def create_key(scope: str, service_id: str, *, version: int | None) -> ServiceView:
    """Store a new key with the service's stored settings (an audited save, its version
    claimed like any other). Raises what ``save_service`` raises."""
    acting_administrator()
    with read_scope() as session:
        row = find_config(session, scope, service_id)
        settings = dict(row.settings) if row else {}
        endpoints = dict(row.endpoints) if row else {}
    changes = ServiceChanges(
        settings=settings, endpoints=endpoints, secrets={KEY: new_client_key()}
    )
    return save_service(scope, service_id, changes, version=version)


def with_key_when_chosen(scope: str, service_id: str, changes: ServiceChanges) -> ServiceChanges:
    """The form's changes, with a new key when they choose ``private_key_jwt`` and no
    key would be kept: none is stored, or the one stored goes because the settings it is
    used with change. Raises NotAnAdministratorError."""
    acting_administrator()
    if (changes.settings.get("client_auth") or "").strip() != METHOD:
        return changes
    if (changes.secrets.get(KEY) or "").strip() or KEY in changes.cleared_secrets:
        return changes
    with read_scope() as session:
        row = find_config(session, scope, service_id)
        if row is None or not has_client_key(row.provider):
            return changes
        provider = PROVIDERS[row.provider]
        settings = {
            f.key: value
            for f in provider.fields
            if not f.secret and (value := (changes.settings.get(f.key) or "").strip())
        }
        endpoints = {
            key: url
            for key in provider.endpoint_keys()
            if (url := (changes.endpoints.get(key) or "").strip())
        }
        kept = secrets_to_keep(row, row.provider, settings, endpoints)
    if kept.get(KEY):
        return changes
    return replace(changes, secrets={**changes.secrets, KEY: new_client_key()})
