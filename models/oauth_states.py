"""Round trips to an external service in progress: single-use, expiring, browser-bound.

The ``state`` sent to the service is random; only its hash is stored, with a hash of the
browser that started the round trip. Taking a state deletes it in the same statement, so
a replayed callback finds nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, insert
from sqlmodel import Session, col, delete

from models.digests import digest
from models.housekeeping import Occasionally
from models.tables import OAuthState, table_of, utcnow

LIFETIME = timedelta(minutes=10)
_unfinished = Occasionally()

#: built once, and run without the ORM's unit of work and its bulk DELETE (which look
#: for the rows among the session's objects): every sign-in writes one and takes it
_STATES = table_of(OAuthState)
_INSERT = insert(_STATES)
_TAKE = _STATES.delete().where(_STATES.c.state_hash == bindparam("state_hash")).returning(_STATES)


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
    row = {
        "state_hash": digest(state),
        "browser_binding": digest(browser),
        "purpose": purpose,
        "service_id": service_id,
        "site_id": site_id,
        "user_id": user_id,
        "next_path": next_path,
    }
    checks = {"nonce": nonce, "code_verifier": code_verifier, "created_at": utcnow()}
    session.connection().execute(_INSERT, {**row, **checks})


def take(session: Session, *, state: str, browser: str) -> OAuthState | None:
    """The round trip for ``state`` if this browser started it less than LIFETIME ago;
    it is deleted either way, so it can be taken once."""
    if not state:
        return None
    # read and deleted in one statement: of two requests with the same state, one gets it
    taken = session.connection().execute(_TAKE, {"state_hash": digest(state)}).one_or_none()
    if taken is None:  # unknown, or another request took it a moment ago
        return None
    row = OAuthState(**taken._mapping)
    if row.browser_binding != digest(browser) or row.created_at < utcnow() - LIFETIME:
        return None
    return row
