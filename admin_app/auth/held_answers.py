"""A service's answer held for a second step, shared by "link to your account"
(``existing_account``) and "complete your profile" (``profile_completion``).

The answer (profile and tokens) is kept as JSON sealed with the token keys: the tokens
are as secret here as on a link. The held row is bound to a digest of the browser that
did the round trip (browser ids are kept only as digests), and named in the next page's
URL by a ticket of which the database keeps only a digest too (``models/pending_signups``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from admin_app.auth.purpose import Purpose
from admin_app.auth.round_trip import usable
from admin_app.core import runtime
from admin_app.services.catalogue import SiteService, service_of_site
from models import encryption, pending_signups
from models.digests import digest
from models.tables import PendingSignup, Site
from models.token_cipher import UndecryptableError
from providers.base import ExternalProfile, SignInResult, TokenSet

LOGIN = Purpose.LOGIN  # the held answer's round trip was a sign-in

#: what the sealed answer is bound to (it cannot be moved into another column)
PLACE = encryption.HELD_ANSWER_PLACE


class HeldRefusal(StrEnum):
    """Why a ticket names nothing usable: each has its own words (``refusals``)."""

    GONE = "held_gone"  # unknown, expired, or finished already
    OTHER_BROWSER = "held_other_browser"


def binding(browser: str) -> str:
    """What a held answer or a mail link is bound to: a digest of the browser's id (none
    for no browser, which then matches nothing)."""
    return digest(browser) if browser else ""


@dataclass(frozen=True)
class HeldTrip:
    """What a second step holds: the round trip's service, site, next path and browser,
    and the service's answer (sealed only when it is held)."""

    service: SiteService
    site_id: str
    next_path: str
    browser: str
    answer: SignInResult | str  # as the service gave it, or sealed already (``seal``)

    @property
    def sealed(self) -> str:
        return self.answer if isinstance(self.answer, str) else seal(self.answer)


def hold(
    session: Session, kind: str, trip: HeldTrip, *, user_id: int | None = None, email: str = ""
) -> str:
    """Hold the trip's answer for its browser; returns the ticket."""
    return pending_signups.hold(
        session,
        kind=kind,
        browser=binding(trip.browser),
        service_id=trip.service.service_id,
        site_id=trip.site_id,
        next_path=trip.next_path,
        answer=trip.sealed,
        user_id=user_id,
        email=email,
    )


def trip_of(pending: PendingSignup, service: SiteService, browser: str) -> HeldTrip:
    """A held answer as a trip again, to be held for another step."""
    return HeldTrip(service, pending.site_id, pending.next_path, browser, pending.answer)


def look_up(session: Session, ticket: str, kind: str, browser: str) -> PendingSignup | HeldRefusal:
    """The held answer of this ticket, if this browser may use it; else why not."""
    found = pending_signups.find(session, ticket, kind, binding(browser))
    if found is not None:
        return found
    row = session.get(PendingSignup, digest(ticket)) if ticket else None
    elsewhere = pending_signups.find(session, ticket, kind, row.browser_binding) if row else None
    return HeldRefusal.OTHER_BROWSER if elsewhere is not None else HeldRefusal.GONE


def held_service(session: Session, pending: PendingSignup) -> SiteService | None:
    """The held answer's service as its site has it now, if still offered."""
    site = session.get(Site, pending.site_id)
    return usable(service_of_site(session, site, pending.service_id) if site else None, LOGIN)


def seal(result: SignInResult) -> str:
    """The answer as sealed JSON (a bearer proof's replay key is not kept: it was
    consumed when the answer arrived)."""
    tokens = asdict(result.tokens)
    expires_at = result.tokens.expires_at
    tokens["expires_at"] = expires_at.isoformat() if expires_at else None
    plain = json.dumps({"profile": asdict(result.profile), "tokens": tokens}, default=str)
    return runtime.keyring().encrypt(plain, PLACE)


def answer_of(pending: PendingSignup) -> SignInResult | None:
    """The held answer, or None when it cannot be opened (its key was removed)."""
    try:
        held: dict[str, Any] = json.loads(runtime.keyring().decrypt(pending.answer, PLACE))
    except (UndecryptableError, ValueError):
        return None
    tokens = dict(held["tokens"])
    tokens["scopes"] = tuple(tokens["scopes"])
    if tokens["expires_at"]:
        tokens["expires_at"] = datetime.fromisoformat(tokens["expires_at"])
    return SignInResult(profile=ExternalProfile(**held["profile"]), tokens=TokenSet(**tokens))


def masked(email: str) -> str:
    """An address shown to whoever holds the service's answer: enough for its owner to
    recognise it, not the whole of it ("a***@example.org")."""
    local, at, domain = email.partition("@")
    return f"{local[:1]}***{at}{domain}" if at else "***"
