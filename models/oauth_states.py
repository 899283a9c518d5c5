"""Round trips to an external service in progress: single-use, expiring, browser-bound.

The ``state`` sent to the service is random; only its hash is stored, with a hash of the
browser that started the round trip. Taking a state deletes it in the same statement, so
a replayed callback finds nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, delete

from models.digests import digest
from models.housekeeping import Occasionally
from models.tables import OAuthState, utcnow

LIFETIME = timedelta(minutes=10)
_unfinished = Occasionally()


def remember(
    session: Session,
    *,
    state: str,
    browser: str,
    purpose: str,
    service_id: str,
    site_id: str,
    user_id: int | None,
    next_path: str,
    nonce: str | None,
    code_verifier: str | None,
) -> None:
    """Store a new round trip, and (now and then) forget those nobody finished in time."""
    if _unfinished.due():
        session.exec(delete(OAuthState).where(col(OAuthState.created_at) < utcnow() - LIFETIME))
    session.add(
        OAuthState(
            state_hash=digest(state),
            browser_binding=digest(browser),
            purpose=purpose,
            service_id=service_id,
            site_id=site_id,
            user_id=user_id,
            next_path=next_path,
            nonce=nonce,
            code_verifier=code_verifier,
        )
    )


def take(session: Session, *, state: str, browser: str) -> OAuthState | None:
    """The round trip for ``state`` if this browser started it less than LIFETIME ago;
    it is deleted either way, so it can be taken once."""
    if not state:
        return None
    # read and deleted in one statement: of two requests with the same state, one gets it
    row = session.scalars(
        delete(OAuthState).where(col(OAuthState.state_hash) == digest(state)).returning(OAuthState)
    ).one_or_none()
    if row is None:  # unknown, or another request took it a moment ago
        return None
    if row.browser_binding != digest(browser) or row.created_at < utcnow() - LIFETIME:
        return None
    return row
