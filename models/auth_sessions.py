"""Signed-in browsers: created pending, activated once by the same browser, revocable.

Tokens are 256-bit random values; only their SHA-256 is stored, so a database dump does
not let anyone sign in.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, insert
from sqlmodel import Session, col, delete, func, select, update

from models.digests import digest
from models.housekeeping import Occasionally
from models.provider_grants import end_grants_of_sessions
from models.tables import AuthSession, table_of, utcnow

PENDING_LIFETIME = timedelta(seconds=60)
IDLE_LIFETIME = timedelta(days=14)
TOUCH_INTERVAL = timedelta(minutes=5)
#: the sizes of ``AuthSession.user_agent`` and ``AuthSession.address``
MAX_USER_AGENT_LENGTH = 200
MAX_ADDRESS_LENGTH = 64
#: what a header may carry but no column should: control characters (a NUL is an error
#: on PostgreSQL) and lone surrogates
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


_stale = Occasionally()


def _forget_stale(session: Session) -> None:
    """Pending sessions nobody completed, and sessions idle for too long."""
    now = utcnow()
    pending_too_long = col(AuthSession.activated_at).is_(None) & (
        col(AuthSession.created_at) < now - PENDING_LIFETIME
    )
    idle_too_long = col(AuthSession.last_seen_at) < now - IDLE_LIFETIME
    session.exec(delete(AuthSession).where(pending_too_long | idle_too_long))


def _printable(value: str, limit: int) -> str:
    """A header as the person's list of sessions may show it: unprintable characters
    gone, cut to its column's size."""
    return _UNPRINTABLE.sub("", value).strip()[:limit]


def create_pending(
    session: Session, *, user_id: int, browser: str, user_agent: str = "", address: str = ""
) -> str:
    """A new session for ``user_id`` that only ``browser`` can activate, within a minute;
    ``user_agent`` and ``address`` are the browser's, for the person's list of sessions.

    The token returned is a one-time ticket: activation replaces it with the token the
    cookie keeps, so a ticket seen in a URL is worth nothing afterwards.
    """
    if not browser:
        raise ValueError("a pending session needs the browser it is for")
    if _stale.due():
        _forget_stale(session)
    token = secrets.token_urlsafe(32)
    session.add(
        AuthSession(
            token_hash=digest(token),
            user_id=user_id,
            browser_binding=digest(browser),
            user_agent=_printable(user_agent, MAX_USER_AGENT_LENGTH),
            address=_printable(address, MAX_ADDRESS_LENGTH),
        )
    )
    return token


#: an INSERT of its own, built once: every sign-in with a service writes one session,
#: and the ORM's unit of work cost more than the row
_INSERT = insert(table_of(AuthSession))


def create_active(
    session: Session, *, user_id: int, user_agent: str = "", address: str = ""
) -> str:
    """A session activated at once (for sign-ins that arrive as an HTTP request, whose
    response sets the cookie itself); ``user_agent`` and ``address`` as for pending ones."""
    if _stale.due():
        _forget_stale(session)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = {"token_hash": digest(token), "user_id": user_id, "browser_binding": ""}
    browser = {
        "user_agent": _printable(user_agent, MAX_USER_AGENT_LENGTH),
        "address": _printable(address, MAX_ADDRESS_LENGTH),
    }
    times = {"created_at": now, "activated_at": now, "last_seen_at": now}
    session.connection().execute(_INSERT, {**row, **browser, **times})
    return token


def activate(session: Session, *, ticket: str, browser: str) -> tuple[int, str] | None:
    """Activate a pending session once, from the browser it was made for.

    Returns its user id and the session's new token (for the cookie), or None.
    """
    if not ticket or not browser:
        return None
    now = utcnow()
    token = secrets.token_urlsafe(32)
    result = session.exec(
        update(AuthSession)
        .where(
            col(AuthSession.token_hash) == digest(ticket),
            col(AuthSession.browser_binding) == digest(browser),
            col(AuthSession.activated_at).is_(None),
            col(AuthSession.created_at) >= now - PENDING_LIFETIME,
        )
        .values(token_hash=digest(token), activated_at=now, last_seen_at=now, browser_binding="")
    )
    if result.rowcount != 1:
        return None
    row = session.get(AuthSession, digest(token))
    return (row.user_id, token) if row else None


def user_of(session: Session, token: str) -> int | None:
    """The user of an active, not idle-expired session (and note that it was seen)."""
    row = active(session, token)
    return row.user_id if row is not None else None


def active(session: Session, token: str) -> AuthSession | None:
    """The active, not idle-expired session of ``token`` (and note that it was seen)."""
    return active_by_hash(session, digest(token)) if token else None


def active_by_hash(session: Session, token_hash: str) -> AuthSession | None:
    """As ``active``, for a session known by its digest (a grant of the provider role)."""
    row = session.get(AuthSession, token_hash)
    now = utcnow()
    if row is None or row.activated_at is None:
        return None
    if row.last_seen_at < now - IDLE_LIFETIME:
        session.delete(row)
        return None
    if row.last_seen_at < now - TOUCH_INTERVAL:
        row.last_seen_at = now
        session.add(row)
    return row


def is_current(activated_at: datetime | None, last_seen_at: datetime) -> bool:
    """A session read elsewhere (as these two columns) is activated and not idle-expired."""
    return activated_at is not None and last_seen_at >= utcnow() - IDLE_LIFETIME


def needs_touch(last_seen_at: datetime) -> bool:
    """Whether a use of a session should be noted (``touch``): at most every few minutes."""
    return last_seen_at < utcnow() - TOUCH_INTERVAL


def touch(session: Session, token_hash: str) -> None:
    """Note that a session read in a read-only transaction was used just now."""
    session.exec(
        update(AuthSession)
        .where(col(AuthSession.token_hash) == token_hash)
        .values(last_seen_at=utcnow())
    )


def _end_where(session: Session, which: ColumnElement[bool]) -> int:
    """End the sessions ``which`` selects, and with them every application session they
    opened (grants ended, back-channel logouts queued); how many ended."""
    hashes = list(session.exec(select(AuthSession.token_hash).where(which)).all())
    if not hashes:
        return 0
    end_grants_of_sessions(session, hashes)
    session.exec(delete(AuthSession).where(col(AuthSession.token_hash).in_(hashes)))
    return len(hashes)


def end(session: Session, token: str) -> None:
    """Sign a browser out, and out of every application it signed in to through us."""
    if token:
        _end_where(session, col(AuthSession.token_hash) == digest(token))


def end_one_of(session: Session, user_id: int, token_hash: str) -> bool:
    """End one of ``user_id``'s sessions, known by its digest (their list of sessions);
    False when it is not theirs or is gone already."""
    mine = (col(AuthSession.user_id) == user_id) & (col(AuthSession.token_hash) == token_hash)
    return _end_where(session, mine) == 1


def end_others_of(session: Session, user_id: int, *, keep: str) -> int:
    """Sign a user out everywhere but in the session ``keep`` (after a password change:
    whoever else knew the old one is out); returns how many ended."""
    others = (col(AuthSession.user_id) == user_id) & (col(AuthSession.token_hash) != digest(keep))
    return _end_where(session, others)


def end_all_of(session: Session, user_id: int) -> int:
    """Sign a user out everywhere (a block); returns how many sessions ended."""
    return _end_where(session, col(AuthSession.user_id) == user_id)


def _active_of(user_id: int) -> ColumnElement[bool]:
    return (
        (col(AuthSession.user_id) == user_id)
        & col(AuthSession.activated_at).is_not(None)
        & (col(AuthSession.last_seen_at) >= utcnow() - IDLE_LIFETIME)
    )


def active_of(session: Session, user_id: int, *, first: str, limit: int) -> list[AuthSession]:
    """The user's signed-in browsers, at most ``limit``: the one whose digest is ``first``
    (the asker's own) before all, then the most recently seen."""
    return list(
        session.exec(
            select(AuthSession)
            .where(_active_of(user_id))
            .order_by(
                case((col(AuthSession.token_hash) == first, 0), else_=1),
                col(AuthSession.last_seen_at).desc(),
                col(AuthSession.token_hash),
            )
            .limit(limit)
        )
    )


def count_active_of(session: Session, user_id: int) -> int:
    """How many browsers the user is signed in with."""
    return session.exec(
        select(func.count()).select_from(AuthSession).where(_active_of(user_id))
    ).one()
