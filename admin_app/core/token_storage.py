"""How a token or a service's secret is stored and read back: the one door.

Every write of a linked account's tokens and every read of a service's secrets passes
here, so that each is sealed with this process's newest key when encryption is on (see
``models/token_cipher`` for the sealing and ``models/encryption`` for the state), and a
key added by a rotation in another process is picked up by reading the keys once more.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from admin_app.core import runtime
from admin_app.core.encryption_keys import reload_keys
from models import encryption
from models.linked_accounts import token_values
from models.tables import ConfiguredService, LinkedAccount
from models.token_cipher import UndecryptableError
from providers.base import TokenSet

log = logging.getLogger("socialservices.encryption")


def store_link_tokens(session: Session, link: LinkedAccount, tokens: TokenSet) -> None:
    """Store a link's new tokens with this process's keys (``link_token_values``)."""
    for name, value in link_token_values(
        session, link.service_id, link.external_id, tokens
    ).items():
        setattr(link, name, value)


def link_token_values(
    session: Session, service_id: str, external_id: str, tokens: TokenSet
) -> dict[str, Any]:
    """The token columns of a link as they are stored, sealed with this process's keys,
    reading the key file again once when the database needs a key added since this
    process started."""

    def sealed() -> dict[str, Any]:
        return token_values(
            session,
            runtime.keyring(),
            service_id,
            external_id,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            scopes=tokens.scopes,
        )

    try:
        return sealed()
    except encryption.KeyMismatchError:
        if not reload_keys():
            raise
    return sealed()


def secrets_of(row: ConfiguredService) -> dict[str, str]:
    """A service's secrets in plain text; empty (logged) when they cannot be decrypted
    even with the keys read again: the service is then not complete, and the
    administrator enters its secrets again."""
    for attempt in range(2):
        try:
            return encryption.open_secrets(runtime.keyring(), row)
        except UndecryptableError as error:
            if attempt == 0 and reload_keys():
                continue
            log.error(
                "encryption.undecryptable service=%s scope=%s (%s)",
                row.service_id,
                row.scope,
                error,
            )
    return {}


def secrets_to_keep(
    stored: ConfiguredService | None, provider_id: str, settings: Any, endpoints: dict[str, str]
) -> Mapping[str, str]:
    """Stored secrets stay only while they would go to the same place: same service, same
    non-secret settings (the client id), same endpoints. A file that points a service
    somewhere else must bring the secret too, or a stolen export could harvest it."""
    if stored is None or stored.provider != provider_id or dict(stored.endpoints) != endpoints:
        return {}
    given = settings if isinstance(settings, dict) else {}
    if any(given.get(key) != value for key, value in stored.settings.items()):
        return {}
    return secrets_of(stored)
