"""The keys that sign ID tokens: the newest of each algorithm signs, older ones stay
published until every token they signed has expired.

Private keys are PEM text sealed like a service's secrets once encryption is on, under
the key's id. Which algorithms and how long a retired key is kept are the provider area's
to say; this module only keeps the rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, delete, select

from models.encryption import sealed_value, signing_key_place, writing_keyring
from models.tables import SigningKey, utcnow
from models.token_cipher import Keyring

#: built once: read at every ID token signed
_PUBLISHED = (
    select(SigningKey)
    .where(col(SigningKey.retire_at).is_(None) | (col(SigningKey.retire_at) > bindparam("now")))
    .order_by(col(SigningKey.created_at).desc(), col(SigningKey.kid))
)


#: built once: the id of the key that signs an algorithm's tokens (the newest that is not
#: retiring, else the newest published), read at every ID token without loading any key
_SIGNER = (
    select(SigningKey.kid)
    .where(
        col(SigningKey.algorithm) == bindparam("algorithm"),
        col(SigningKey.retire_at).is_(None) | (col(SigningKey.retire_at) > bindparam("now")),
    )
    .order_by(
        col(SigningKey.retire_at).is_(None).desc(),
        col(SigningKey.created_at).desc(),
        col(SigningKey.kid),
    )
    .limit(1)
)


def signer(session: Session, algorithm: str) -> str | None:
    """The id of the key that signs ``algorithm`` now; None when there is none."""
    return session.exec(_SIGNER, params={"algorithm": algorithm, "now": utcnow()}).first()


def published(session: Session) -> list[SigningKey]:
    """Every key a relying party may still meet, newest first."""
    return list(session.exec(_PUBLISHED, params={"now": utcnow()}))


def purge_retired(session: Session) -> int:
    """Delete the keys whose tokens have all expired; how many."""
    gone = col(SigningKey.retire_at).is_not(None) & (col(SigningKey.retire_at) <= utcnow())
    return int(session.exec(delete(SigningKey).where(gone)).rowcount)


def add(
    session: Session,
    keyring: Keyring,
    *,
    kid: str,
    algorithm: str,
    private_pem: str,
    public_jwk: dict[str, Any],
) -> SigningKey:
    row = SigningKey(
        kid=kid,
        algorithm=algorithm,
        private_key=sealed_value(
            writing_keyring(session, keyring), private_pem, signing_key_place(kid)
        ),
        public_jwk=public_jwk,
    )
    session.add(row)
    return row


def retire(session: Session, row: SigningKey, at: datetime) -> None:
    row.retire_at = at
    session.add(row)


def private_pem(keyring: Keyring, row: SigningKey) -> str:
    return keyring.decrypt(row.private_key, signing_key_place(row.kid))
