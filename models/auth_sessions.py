"""Signed-in browsers: created pending, activated once by the same browser, revocable.

Tokens are 256-bit random values; only their SHA-256 is stored, so a database dump does
not let anyone sign in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlmodel import Session, col, delete, update

from models.tables import AuthSession, utcnow

PENDING_LIFETIME = timedelta(seconds=60)
IDLE_LIFETIME = timedelta(days=14)
TOUCH_INTERVAL = timedelta(minutes=5)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def create_pending(session: Session, *, user_id: int, browser: str) -> str:
    """A new session for ``user_id`` that only ``browser`` can activate, within a minute."""
    token = secrets.token_urlsafe(32)
    session.add(
        AuthSession(token_hash=_hash(token), user_id=user_id, browser_binding=_hash(browser))
    )
    session.exec(  # pending sessions nobody completed
        delete(AuthSession).where(
            col(AuthSession.activated_at).is_(None),
            col(AuthSession.created_at) < utcnow() - PENDING_LIFETIME,
        )
    )
    return token


def create_active(session: Session, *, user_id: int) -> str:
    """A session activated at once (for sign-ins that arrive as an HTTP request)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(AuthSession(token_hash=_hash(token), user_id=user_id, activated_at=now))
    return token


def activate(session: Session, *, token: str, browser: str) -> int | None:
    """Activate a pending session once, from the browser it was made for; its user id."""
    now = utcnow()
    result = session.exec(
        update(AuthSession)
        .where(
            col(AuthSession.token_hash) == _hash(token),
            col(AuthSession.browser_binding) == _hash(browser),
            col(AuthSession.activated_at).is_(None),
            col(AuthSession.created_at) >= now - PENDING_LIFETIME,
        )
        .values(activated_at=now, last_seen_at=now, browser_binding="")
    )
    if result.rowcount != 1:
        return None
    row = session.get(AuthSession, _hash(token))
    return row.user_id if row else None


def user_of(session: Session, token: str) -> int | None:
    """The user of an active, not idle-expired session (and note that it was seen)."""
    if not token:
        return None
    row = session.get(AuthSession, _hash(token))
    now = utcnow()
    if row is None or row.activated_at is None:
        return None
    if row.last_seen_at < now - IDLE_LIFETIME:
        session.delete(row)
        return None
    if row.last_seen_at < now - TOUCH_INTERVAL:
        row.last_seen_at = now
        session.add(row)
    return row.user_id


def end(session: Session, token: str) -> None:
    session.exec(delete(AuthSession).where(col(AuthSession.token_hash) == _hash(token)))
