"""Applications of a site (OAuth clients): finding one, storing one, its secret.

The secret is stored like a service's secrets: sealed once encryption is on, under the
application's id (a sealed secret copied to another application fails to open). A client
secret is compared in constant time with what the application presents.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence

from sqlalchemy import bindparam
from sqlmodel import Session, col, delete, select

from models.encryption import application_secret_place, sealed_value, writing_keyring
from models.tables import Application
from models.token_cipher import Keyring

CONFIDENTIAL = "confidential"
PUBLIC = "public"
#: an application a reverse proxy protects (``/auth/verify``): no OAuth of its own
PROXY = "proxy"
KINDS = (CONFIDENTIAL, PUBLIC, PROXY)


def new_client_id() -> str:
    return secrets.token_urlsafe(18)


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


#: built once: the provider role asks it at every authorization and token request
_BY_CLIENT_ID = select(Application).where(col(Application.client_id) == bindparam("client_id"))


def by_client_id(session: Session, client_id: str) -> Application | None:
    return session.exec(_BY_CLIENT_ID, params={"client_id": client_id}).first()


def of_site(session: Session, site_id: str) -> list[Application]:
    query = select(Application).where(Application.site_id == site_id)
    return list(session.exec(query.order_by(col(Application.name), col(Application.id))))


def proxy_for_host(session: Session, host: str) -> Application | None:
    """The proxy application that serves ``host`` (a lower-case name, no port)."""
    query = select(Application).where(Application.kind == PROXY)
    return next((row for row in session.exec(query) if host in row.hosts), None)


def every_application(session: Session) -> list[Application]:
    return list(session.exec(select(Application).order_by(col(Application.id))))


def store_secret(session: Session, keyring: Keyring, row: Application, secret: str) -> None:
    """Keep ``secret`` as the application's (sealed once encryption is on)."""
    row.client_secret = sealed_value(
        writing_keyring(session, keyring), secret, application_secret_place(row.id)
    )


def open_secret(keyring: Keyring, row: Application) -> str:
    """The plain secret; raises UndecryptableError when its key is not configured."""
    return keyring.decrypt(row.client_secret, application_secret_place(row.id))


def secret_matches(keyring: Keyring, row: Application, presented: str) -> bool:
    stored = open_secret(keyring, row)
    if not stored or not presented:
        return False
    return hmac.compare_digest(stored.encode(), presented.encode("utf-8", "surrogatepass"))


def remove_except(session: Session, keep: Sequence[str]) -> list[str]:
    """Delete every application whose id is not in ``keep``; the ids removed."""
    gone = [row.id for row in every_application(session) if row.id not in set(keep)]
    if gone:
        session.exec(delete(Application).where(col(Application.id).in_(gone)))
    return gone
