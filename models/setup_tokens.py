"""One-time links that let the first administrator be created from a browser.

Only a hash is stored. Every start without an administrator adds a token; all of them
stop working once an administrator exists, so several processes may each print one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlmodel import Session, delete, select

from models.tables import SetupToken


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_setup_token(session: Session) -> str:
    token = secrets.token_urlsafe(32)
    session.add(SetupToken(token_hash=_hash(token)))
    return token


def setup_token_is_valid(session: Session, token: str) -> bool:
    if not token:
        return False
    wanted = _hash(token)
    return any(
        hmac.compare_digest(stored, wanted)
        for stored in session.exec(select(SetupToken.token_hash))
    )


def revoke_setup_tokens(session: Session) -> None:
    session.exec(delete(SetupToken))
