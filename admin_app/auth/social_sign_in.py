"""Signing in with an external service, or registering with it: what a round trip started
from the sign-in page leads to.

A linked account signs its user in; an account linked to nobody registers a new person,
when the policy allows it (``policy.sign_in_refusal``, ``policy.registration_refusal``).
When the address the service vouches for is an account's proven one, nothing is merged:
the person is offered to sign in to that account and link the service to it
(``existing_account``). When the administrator requires an address and the service gave
none it vouches for, the person is asked for one first (``profile_completion``). Either
way the sign-in is counted for the administrator's overview, in the same transaction.
"""

from __future__ import annotations

import logging
from functools import partial

from sqlmodel import Session

from admin_app.auth import existing_account, held_answers, newcomers, policy, profile_completion
from admin_app.auth.external_links import existing_link_key, refresh_link
from admin_app.auth.round_trip import Outcome, RoundTrip, in_one_transaction, refuse, settle
from admin_app.services.catalogue import SiteService
from models import auth_sessions, sign_in_events
from models.linked_accounts import LinkKey
from models.options import DENIED_AUTH, in_denied_group, registration_options
from models.users import (
    accept_vouched_address,
    find_by_email,
    is_valid_email,
    record_returning_sign_in,
    returning_user,
    user_by_id,
    vouches_for_own_address,
)
from providers.base import ExternalProfile, SignInResult

log = logging.getLogger(__name__)

#: the log's word for registration closed by the new users' group, not by the options
_NEW_USERS_DENIED = {"why": "new users' group denied"}


async def finish_signing_in(
    trip: RoundTrip, result: SignInResult, *, browser: str = "", user_agent: str, address: str
) -> Outcome:
    """``user_agent`` and ``address``: the browser's, kept on the session it gets;
    ``browser``: its id, to which a held answer is bound (none: nothing can be held)."""
    rules = partial(
        _sign_in_or_register,
        trip.service,
        trip.site_id,
        trip.next_path,
        result,
        browser_id=browser,
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
    browser_id: str = "",
    user_agent: str = "",
    address: str = "",
) -> Outcome:
    browser = {"user_agent": user_agent, "address": address}  # kept on the session
    link = existing_link_key(session, service, result)
    if link is not None:
        outcome = _sign_in(session, service, next_path, link, result, browser)
    else:
        trip = held_answers.HeldTrip(service, site_id, next_path, browser_id, result)
        outcome = _register(session, trip, result, browser)
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
    link: LinkKey,
    result: SignInResult,
    browser: dict[str, str],
) -> Outcome:
    """A returning user's sign-in, read and written as plain rows (architecture.md,
    "Statements on the hot paths"); the rare change of their address through the ORM."""
    user = returning_user(session, link.user_id)
    assert user is not None
    facts = policy.AccountFacts(
        blocked=not user.is_active,
        in_group_denied_sign_in=in_denied_group(session, user.id, DENIED_AUTH),
    )
    if (refusal := policy.sign_in_refusal(facts)) is not None:
        return refuse(service, refusal, next_path, user_id=user.id)
    refresh_link(session, link, result)  # signing in uses a link; linking does not
    email = result.profile.email
    if result.profile.email_verified and vouches_for_own_address(
        user.email_lower, user.email_verified, email
    ):
        owner = user_by_id(session, user.id)
        assert owner is not None
        accept_vouched_address(session, owner, email)
    record_returning_sign_in(session, user.id)
    log.info("social.signed_in service=%s user_id=%d", service.service_id, user.id)
    return Outcome(
        service.service_id,
        next_path,
        auth_token=auth_sessions.create_active(session, user_id=user.id, **browser),
    )


def _register(
    session: Session, trip: held_answers.HeldTrip, result: SignInResult, browser: dict[str, str]
) -> Outcome:
    """``trip``: the round trip and its answer, which a second step may hold."""
    service, next_path, profile = trip.service, trip.next_path, result.profile
    email = _proven_email(profile)
    owner = find_by_email(session, email) if email is not None else None
    facts = newcomers.facts(session, email_taken=owner is not None)
    refusal = policy.registration_refusal(facts)
    if refusal == "email_exists" and owner is not None and trip.browser:
        # never merged: the person may prove the account, and link the service to it
        return existing_account.offer(session, trip, owner)
    if refusal is not None:
        by_group = refusal == "registration_closed" and facts.registration_open
        return refuse(service, refusal, next_path, **(_NEW_USERS_DENIED if by_group else {}))
    required = registration_options(session).require_email
    if policy.asks_for_address(required=required, proven_address=email is not None):
        return profile_completion.ask(session, trip, profile.email)
    user = newcomers.register(
        session, service, trip.site_id, result, email, proven_by=service.service_id
    )
    assert user.id is not None
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
