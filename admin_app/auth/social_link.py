"""Linking an external account to the signed-in user: what a round trip started from the
profile page leads to.

The account is attached to the user who started linking and to nobody else: the
callback must come with that user's session still signed in. The policy decides the rest
(``policy.link_refusal``); problems are shown on the profile page.
"""

from __future__ import annotations

import logging
from functools import partial

from sqlmodel import Session

from admin_app.auth import policy
from admin_app.auth.external_links import existing_link, new_link, update_link
from admin_app.auth.round_trip import Outcome, RoundTrip, refuse, settle
from models import auth_sessions
from models.db import read_scope
from models.options import DENIED_LINK, in_denied_group
from models.tables import LinkedAccount, User
from models.users import accept_vouched_address
from providers.base import SignInResult

log = logging.getLogger(__name__)

PROFILE = "/profile"


def start_refusal(user_id: int) -> str | None:
    """Why this signed-in user may not start linking, or None."""
    with read_scope() as session:
        denied = in_denied_group(session, user_id, DENIED_LINK)
    return policy.link_start_refusal(in_group_denied_linking=denied)


def may_link(user_id: int) -> bool:
    """Whether the profile page offers this user to link services."""
    return start_refusal(user_id) is None


async def finish_linking(trip: RoundTrip, result: SignInResult, auth_token: str) -> Outcome:
    return await settle(partial(_link, trip, result, auth_token), trip.service.service_id)


def _link(trip: RoundTrip, result: SignInResult, auth_token: str, session: Session) -> Outcome:
    service, starter_id = trip.service, trip.starter_id
    current = auth_sessions.user_of(session, auth_token)
    linking = current if current is not None and current == starter_id else None
    link = existing_link(session, service, result)
    denied = linking is not None and in_denied_group(session, linking, DENIED_LINK)
    facts = policy.LinkFacts(
        still_signed_in=linking is not None,
        in_group_denied_linking=denied,
        owner=_owner(link, linking),
    )
    if (refusal := policy.link_refusal(facts)) is not None:
        context = (
            {"user_id": linking}
            if linking is not None
            else {"starter": starter_id, "current": current}
        )
        return refuse(service, refusal, PROFILE, **context)
    assert linking is not None
    if link is None:
        new_link(session, service, trip.site_id, linking, result)
    else:
        update_link(session, link, result)
    _prove_address(session, linking, result)
    log.info("social.linked service=%s user_id=%d", service.service_id, linking)
    return Outcome(service.service_id, PROFILE, linked=True)


def _prove_address(session: Session, user_id: int, result: SignInResult) -> None:
    """A service that vouches for the person's own unverified address proves it."""
    profile = result.profile
    user = session.get(User, user_id)
    if profile.email_verified and user is not None:
        accept_vouched_address(session, user, profile.email)


def _owner(link: LinkedAccount | None, user_id: int | None) -> policy.LinkOwner:
    if link is None:
        return policy.LinkOwner.NOBODY
    return policy.LinkOwner.THIS_USER if link.user_id == user_id else policy.LinkOwner.ANOTHER_USER
