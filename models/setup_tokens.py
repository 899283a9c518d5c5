"""One-time links that let the first administrator be created from a browser.

Only a hash is stored. Every start without an administrator adds a token (several
processes may each print one); using one deletes it atomically, and creating an
administrator deletes them all.
"""

from __future__ import annotations

import secrets

from sqlmodel import Session, col, delete, select

from models.digests import digest
from models.tables import SetupToken


def issue_setup_token(session: Session) -> str:
    token = secrets.token_urlsafe(32)
    session.add(SetupToken(token_hash=digest(token)))
    return token


def setup_token_is_valid(session: Session, token: str) -> bool:
    return (
        bool(token)
        and session.exec(
            select(SetupToken.token_hash).where(SetupToken.token_hash == digest(token))
        ).first()
        is not None
    )


def consume_setup_token(session: Session, token: str) -> bool:
    """Delete the token; True for exactly one of any number of concurrent callers."""
    if not token:
        return False
    result = session.exec(delete(SetupToken).where(col(SetupToken.token_hash) == digest(token)))
    return result.rowcount == 1


def revoke_setup_tokens(session: Session) -> None:
    session.exec(delete(SetupToken))
