"""Signing in with an external service, or registering with it: what a round trip started
from the sign-in page leads to.

A linked account signs its user in; an account linked to nobody registers a new person,
when the policy allows it (``policy.sign_in_refusal``, ``policy.registration_refusal``).
Either way the sign-in is counted for the administrator's overview, in the same
transaction.
"""

from __future__ import annotations

import logging
from functools import partial

from sqlmodel import Session

from admin_app.auth import policy
from admin_app.auth.external_links import existing_link, new_link, update_link
from admin_app.auth.round_trip import Outcome, RoundTrip, in_one_transaction, refuse, settle
from admin_app.services.catalogue import SiteService
from models import auth_sessions, linked_accounts, sign_in_events
from models.options import DENIED_AUTH, denied_group_codes, in_denied_group, registration_options
from models.tables import LinkedAccount, User
from models.users import (
    REGISTERED,
    available_login,
    create_user,
    find_by_email,
    is_valid_email,
    record_sign_in,
)
from providers.base import ExternalProfile, SignInResult

log = logging.getLogger(__name__)

#: the log's word for registration closed by the new users' group, not by the options
_NEW_USERS_DENIED = {"why": "new users' group denied"}


async def finish_signing_in(
    trip: RoundTrip, result: SignInResult, *, user_agent: str, address: str
) -> Outcome:
    """``user_agent`` and ``address``: the browser's, kept on the session it gets."""
    rules = partial(
        _sign_in_or_register,
        trip.service,
        trip.site_id,
        trip.next_path,
        result,
        user_agent=user_agent,
        address=address,
    )
    return await settle(rules, trip.service.service_id)


def sign_in_or_register(
    service: SiteService, site_id: str, next_path: str, result: SignInResult
) -> Outcome:
    """The database part of a sign-in, in one transaction (bench/scale.py times it)."""
    rules = partial(_sign_in_or_register, service, site_id, next_path, result)
    return in_one_transaction(rules, service.service_id)


def _sign_in_or_register(
    service: SiteService,
    site_id: str,
    next_path: str,
    result: SignInResult,
    session: Session,
    *,
    user_agent: str = "",
    address: str = "",
) -> Outcome:
    browser = {"user_agent": user_agent, "address": address}  # kept on the session
    link = existing_link(session, service, result)
    if link is not None:
        outcome = _sign_in(session, service, next_path, link, result, browser)
    else:
        outcome = _register(session, service, site_id, next_path, result, browser)
    # the overview's tally, in the sign-in's own transaction (one commit)
    sign_in_events.record(
        session,
        service_id=service.service_id,
        site_id=site_id,
        success=not outcome.refusal,
        reason=outcome.refusal or "",
    )
    return outcome


def _sign_in(
    session: Session,
    service: SiteService,
    next_path: str,
    link: LinkedAccount,
    result: SignInResult,
    browser: dict[str, str],
) -> Outcome:
    user = session.get(User, link.user_id)
    assert user is not None and user.id is not None
    facts = policy.AccountFacts(
        blocked=not user.is_active,
        in_group_denied_sign_in=in_denied_group(session, user.id, DENIED_AUTH),
    )
    if (refusal := policy.sign_in_refusal(facts)) is not None:
        return refuse(service, refusal, next_path, user_id=user.id)
    update_link(session, link, result)
    linked_accounts.mark_used(link)  # signing in uses a link; linking does not
    record_sign_in(session, user)
    log.info("social.signed_in service=%s user_id=%d", service.service_id, user.id)
    return Outcome(
        service.service_id,
        next_path,
        auth_token=auth_sessions.create_active(session, user_id=user.id, **browser),
    )


def _register(
    session: Session,
    service: SiteService,
    site_id: str,
    next_path: str,
    result: SignInResult,
    browser: dict[str, str],
) -> Outcome:
    profile = result.profile
    email = _proven_email(profile)
    options = registration_options(session)
    facts = policy.NewcomerFacts(
        email_taken=email is not None and find_by_email(session, email) is not None,
        registration_open=options.allow_self_registration and options.allow_social_registration,
        new_users_denied_sign_in=REGISTERED in denied_group_codes(session, DENIED_AUTH),
    )
    if (refusal := policy.registration_refusal(facts)) is not None:
        by_group = refusal == "registration_closed" and facts.registration_open
        return refuse(service, refusal, next_path, **(_NEW_USERS_DENIED if by_group else {}))
    user = create_user(
        session,
        login=available_login(session, f"{service.service_id}_{profile.external_id}"),
        email=email,
        password=None,
        first_name=profile.first_name,
        last_name=profile.last_name,
    )
    assert user.id is not None
    linked_accounts.mark_used(new_link(session, service, site_id, user.id, result))
    record_sign_in(session, user)
    log.info("social.registered service=%s user_id=%d", service.service_id, user.id)
    return Outcome(
        service.service_id,
        next_path,
        auth_token=auth_sessions.create_active(session, user_id=user.id, **browser),
    )


def _proven_email(profile: ExternalProfile) -> str | None:
    """The address a new account may own: only one the service says it verified. An
    unverified one proves nothing (anyone can type someone else's address at some
    services): it stays on the link as a contact, and blocks nobody."""
    if profile.email_verified and is_valid_email(profile.email):
        return profile.email
    return None
