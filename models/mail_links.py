"""Links sent by mail: made with the message that carries them, each used once, before
it expires, and (for the steps of a registration begun with a service) only in the
browser that began it. Only the token's digest is stored."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, update
from sqlmodel import Session, col, delete, select

from models.digests import digest
from models.tables import MailLink, utcnow


class Purpose(StrEnum):
    VERIFY_REGISTRATION = "verify_registration"
    RESET_PASSWORD = "reset_password"
    CHANGE_EMAIL = "change_email"
    COMPLETE_PROFILE = "complete_profile"


#: how long each kind of link works
LIFETIMES = {
    Purpose.VERIFY_REGISTRATION: timedelta(days=2),
    Purpose.RESET_PASSWORD: timedelta(hours=1),
    Purpose.CHANGE_EMAIL: timedelta(days=1),
    Purpose.COMPLETE_PROFILE: timedelta(hours=1),
}


class LinkRefusal(StrEnum):
    """Why a link does nothing: each has its own words for the person."""

    UNKNOWN = "unknown"  # never made, altered, or purged
    USED = "used"
    EXPIRED = "expired"
    OTHER_BROWSER = "other_browser"
    WRONG_PURPOSE = "wrong_purpose"


@dataclass(frozen=True)
class UsedLink:
    purpose: Purpose
    user_id: int | None
    email: str
    pending_id: str | None


def make(
    session: Session,
    purpose: Purpose,
    *,
    email: str,
    user_id: int | None = None,
    browser_binding: str = "",
    pending_id: str | None = None,
    now: datetime | None = None,
) -> str:
    """A new link's token (to put in the message; only its digest is kept)."""
    token = secrets.token_urlsafe(32)
    now = now or utcnow()
    session.add(
        MailLink(
            token_hash=digest(token),
            purpose=purpose.value,
            user_id=user_id,
            email=email,
            browser_binding=browser_binding,
            pending_id=pending_id,
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    )
    session.flush()
    return token


def check(
    session: Session, token: str, purpose: Purpose, browser: str, *, now: datetime | None = None
) -> MailLink | LinkRefusal:
    """The link, if it could be used now in this browser (nothing changes)."""
    link = session.get(MailLink, digest(token)) if token else None
    now = now or utcnow()
    if link is None:
        return LinkRefusal.UNKNOWN
    if link.purpose != purpose.value:
        return LinkRefusal.WRONG_PURPOSE
    if link.used_at is not None:
        return LinkRefusal.USED
    if link.expires_at <= now:
        return LinkRefusal.EXPIRED
    if link.browser_binding and not secrets.compare_digest(link.browser_binding, browser):
        return LinkRefusal.OTHER_BROWSER
    return link


def use(
    session: Session, token: str, purpose: Purpose, browser: str, *, now: datetime | None = None
) -> UsedLink | LinkRefusal:
    """Use the link once: of two requests with the same link, one wins (compare-and-set),
    the other is told it was used."""
    now = now or utcnow()
    found = check(session, token, purpose, browser, now=now)
    if isinstance(found, LinkRefusal):
        return found
    row = MailLink.__table__.c  # type: ignore[attr-defined]
    result = session.execute(
        update(MailLink)
        .where(and_(row.token_hash == found.token_hash, row.used_at.is_(None)))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return LinkRefusal.USED
    return UsedLink(Purpose(found.purpose), found.user_id, found.email, found.pending_id)


def cancel_of_user(session: Session, user_id: int, purpose: Purpose) -> None:
    """Forget the user's unused links of a purpose (a new one replaces them; a reset
    password makes the other reset links worthless)."""
    session.exec(
        delete(MailLink).where(
            col(MailLink.user_id) == user_id,
            col(MailLink.purpose) == purpose.value,
            col(MailLink.used_at).is_(None),
        )
    )


def purge_batch(session: Session, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` links that expired before ``before``."""
    expired = select(MailLink.token_hash).where(col(MailLink.expires_at) < before).limit(limit)
    result = session.exec(delete(MailLink).where(col(MailLink.token_hash).in_(expired)))
    return int(result.rowcount)


def pending_of_user(
    session: Session, user_id: int, purpose: Purpose, *, now: datetime | None = None
) -> MailLink | None:
    """The user's newest link of a purpose that could still be followed (the profile shows
    an address waiting for confirmation from it)."""
    return session.exec(
        select(MailLink)
        .where(
            col(MailLink.user_id) == user_id,
            col(MailLink.purpose) == purpose.value,
            col(MailLink.used_at).is_(None),
            col(MailLink.expires_at) > (now or utcnow()),
        )
        .order_by(col(MailLink.created_at).desc())
        .limit(1)
    ).first()


def use_in_any_browser(
    session: Session, token: str, purpose: Purpose, browser: str, *, now: datetime | None = None
) -> tuple[UsedLink, bool] | LinkRefusal:
    """Use a link that works in every browser but remembers the one it was made in
    (``browser_binding``): also says whether ``browser`` is that one. A registration's
    link proves the address wherever it is opened, and signs in only the browser that
    registered."""
    link = session.get(MailLink, digest(token)) if token else None
    binding = link.browser_binding if link is not None else ""
    used = use(session, token, purpose, binding, now=now)
    if isinstance(used, LinkRefusal):
        return used
    return used, bool(binding and browser) and secrets.compare_digest(binding, browser)
