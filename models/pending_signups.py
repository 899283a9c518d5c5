"""External accounts' answers held for a second step of signing up: proving an address
("complete your profile") or signing in to the account that owns the address the service
gave ("link to your account"). Held briefly, bound to the browser of the round trip; the
ticket in the page's URL is stored only as a digest, and the answer is kept as the
caller sealed it."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from models.digests import digest
from models.tables import PendingSignup, utcnow

COMPLETE_PROFILE = "complete_profile"
LINK_EXISTING = "link_existing"
#: how long the second step may take (a mail to read, a password to remember)
LIFETIME = timedelta(hours=1)


def hold(
    session: Session,
    *,
    kind: str,
    browser: str,
    service_id: str,
    site_id: str,
    next_path: str,
    answer: str,
    user_id: int | None = None,
    email: str = "",
    now: datetime | None = None,
) -> str:
    """Hold an answer; returns the ticket that names it in this browser's next step."""
    ticket = secrets.token_urlsafe(32)
    now = now or utcnow()
    session.add(
        PendingSignup(
            id=digest(ticket),
            kind=kind,
            browser_binding=browser,
            service_id=service_id,
            site_id=site_id,
            next_path=next_path,
            answer=answer,
            user_id=user_id,
            email=email,
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    session.flush()
    return ticket


def find(
    session: Session, ticket: str, kind: str, browser: str, *, now: datetime | None = None
) -> PendingSignup | None:
    """The held answer named by ``ticket``, if it is of this kind, still fresh and this
    is the browser that began it."""
    pending = session.get(PendingSignup, digest(ticket)) if ticket else None
    return _usable(pending, kind, browser, now)


def by_id(
    session: Session, pending_id: str, kind: str, browser: str, *, now: datetime | None = None
) -> PendingSignup | None:
    """As ``find``, by the stored id (a mail link names it)."""
    return _usable(session.get(PendingSignup, pending_id), kind, browser, now)


def _usable(
    pending: PendingSignup | None, kind: str, browser: str, now: datetime | None
) -> PendingSignup | None:
    if pending is None or pending.kind != kind or pending.expires_at <= (now or utcnow()):
        return None
    if not browser or not secrets.compare_digest(pending.browser_binding, browser):
        return None
    return pending


def release(session: Session, pending: PendingSignup) -> None:
    """The step is done (or abandoned): the answer goes, with any link that named it."""
    session.delete(pending)
    session.flush()


def purge_batch(session: Session, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` held answers that expired before ``before``."""
    expired = select(PendingSignup.id).where(col(PendingSignup.expires_at) < before).limit(limit)
    result = session.exec(delete(PendingSignup).where(col(PendingSignup.id).in_(expired)))
    return int(result.rowcount)
