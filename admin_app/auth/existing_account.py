""" "This address already has an account": a service vouched for an address that an account
here has proven, and the external account is linked to nobody.

Nothing is merged on the address alone. The service's answer is held (``held_answers``)
for the browser that brought it, and the person is offered to sign in to the account:
with its password, or with a service already linked to exactly that account (a round trip
of purpose ``CONFIRM`` that carries the page's ticket). Only then is the held external
account linked to it and the browser signed in; from then on that service signs in
straight away, like any link. The policy is asked when the offer is made and again when
it is accepted (``policy.existing_account_refusal``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from urllib.parse import parse_qs, quote, urlsplit

from sqlmodel import Session

from admin_app.auth import held_answers, policy
from admin_app.auth.accounts import completion_url
from admin_app.auth.external_links import existing_link, new_link, update_link
from admin_app.auth.held_answers import HeldRefusal
from admin_app.auth.round_trip import Outcome, RoundTrip, offered_services, refuse, settle
from admin_app.core import asking
from admin_app.services.catalogue import SiteService
from models import auth_sessions, linked_accounts, login_throttle, pending_signups
from models.db import read_scope, session_scope
from models.options import DENIED_AUTH, DENIED_LINK, in_denied_group
from models.pending_signups import LINK_EXISTING
from models.tables import PendingSignup, User
from models.users import checked_password, record_sign_in
from providers.base import SignInResult

log = logging.getLogger(__name__)

PAGE = "/link/existing"

#: makes the session the browser gets: pending (a page's event) or active (a callback)
NewSession = Callable[[Session, int], str]


def page_path(ticket: str) -> str:
    """The offer's page for a held answer; also where a ``CONFIRM`` round trip returns."""
    return f"{PAGE}?ticket={quote(ticket)}"


def ticket_of(path: str) -> str:
    return parse_qs(urlsplit(path).query).get("ticket", [""])[0]


def _refusal_for(session: Session, owner: User) -> str | None:
    assert owner.id is not None
    facts = policy.ExistingAccountFacts(
        blocked=not owner.is_active,
        in_group_denied_sign_in=in_denied_group(session, owner.id, DENIED_AUTH),
        in_group_denied_linking=in_denied_group(session, owner.id, DENIED_LINK),
    )
    return policy.existing_account_refusal(facts)


def offer(session: Session, trip: held_answers.HeldTrip, owner: User) -> Outcome:
    """Hold an answer whose address ``owner`` has, in the caller's transaction; the
    outcome sends the browser to the offer's page."""
    assert owner.id is not None
    service = trip.service
    if (refusal := _refusal_for(session, owner)) is not None:
        return refuse(service, refusal, trip.next_path, user_id=owner.id)
    ticket = held_answers.hold(
        session, LINK_EXISTING, trip, user_id=owner.id, email=owner.email or ""
    )
    log.info("social.link_offered service=%s user_id=%d", service.service_id, owner.id)
    return Outcome(service.service_id, page_path(ticket))


@dataclass(frozen=True)
class LinkOffer:
    """What the offer's page shows."""

    service: SiteService  # the service whose answer is held
    masked_email: str
    has_password: bool
    #: the services linked to the account that this site offers: each can prove it
    proofs: tuple[SiteService, ...]


def look(ticket: str, host: str | None) -> LinkOffer | str:
    """The offer of this ticket for the asking browser, or a refusal code."""
    browser = asking.browser_id()
    offered = {service.service_id: service for service in offered_services(host)}
    with read_scope() as session:
        pending = held_answers.look_up(session, ticket, LINK_EXISTING, browser)
        if isinstance(pending, HeldRefusal):
            return pending.value
        service = held_answers.held_service(session, pending)
        owner = session.get(User, pending.user_id) if pending.user_id else None
        if service is None or owner is None or owner.id is None:
            return "service_unavailable" if service is None else HeldRefusal.GONE.value
        linked = dict.fromkeys(
            link.service_id for link in linked_accounts.links_of(session, owner.id)
        )
        return LinkOffer(
            service=service,
            masked_email=held_answers.masked(pending.email or owner.email or ""),
            has_password=bool(owner.password_hash),
            proofs=tuple(offered[service_id] for service_id in linked if service_id in offered),
        )


def _attach(
    session: Session, pending: PendingSignup, owner: User, proof: str, new_session: NewSession
) -> tuple[str, str] | str:
    """Link the held external account to ``owner``, who was just proven, and open the
    browser's session: (its token, the round trip's next path), or a refusal code."""
    assert owner.id is not None
    service = held_answers.held_service(session, pending)
    result = held_answers.answer_of(pending)
    if service is None or result is None:
        return "service_unavailable" if service is None else HeldRefusal.GONE.value
    refusal = _refusal_for(session, owner)
    link = existing_link(session, service, result)
    if refusal is None and link is not None and link.user_id != owner.id:
        refusal = "linked_elsewhere"  # linked by someone else meanwhile
    if refusal is not None:
        return str(refuse(service, refusal, user_id=owner.id).refusal)
    if link is None:
        link = new_link(session, service, pending.site_id, owner.id, result)
    else:
        update_link(session, link, result)
    linked_accounts.mark_used(link)
    record_sign_in(session, owner)
    next_path = pending.next_path
    pending_signups.release(session, pending)
    log.info(
        "social.linked_existing service=%s user_id=%d proof=%s",
        service.service_id,
        owner.id,
        proof,
    )
    return new_session(session, owner.id), next_path


# ------------------------------------------------------------ proof by password


@dataclass(frozen=True)
class ProofResult:
    completion_url: str | None = None  # where to send the browser to finish signing in
    #: "invalid_password", "throttled", "unavailable", or a refusal code of ``refusals``
    error: str | None = None
    wait_seconds: int = 0


async def prove_with_password(ticket: str, password: str) -> ProofResult:
    """Check the account's password (throttled as the sign-in form is, on that account);
    when right, link the held account and return the URL that finishes signing in."""
    check = partial(
        _prove_with_password,
        ticket,
        password,
        asking.browser_id(),
        asking.client_address(),
        asking.user_agent(),
    )
    return await asyncio.to_thread(check)


def _may_sign_in(user: User | None) -> bool:
    return user is not None and policy.password_sign_in_refusal(blocked=not user.is_active) is None


def _prove_with_password(
    ticket: str, password: str, browser: str, address: str, user_agent: str
) -> ProofResult:
    with session_scope() as session:
        pending = held_answers.look_up(session, ticket, LINK_EXISTING, browser)
        if isinstance(pending, HeldRefusal):
            return ProofResult(error=pending.value)
        owner_id = pending.user_id
        key = login_throttle.throttle_key(user_id=owner_id, identifier="")
        wait = login_throttle.begin_attempt(session, key)
    if wait:
        log.warning("auth.throttled key=%s wait=%ss ip=%s", key, wait, address)
        return ProofResult(error="throttled", wait_seconds=wait)
    with read_scope() as session:
        checked = session.get(User, owner_id)
    # the hashing outside any transaction (as accounts' sign-in); a user who may not sign
    # in is checked as nobody, which takes as long
    kept = checked_password(checked if _may_sign_in(checked) else None, password)
    with session_scope() as session:
        owner = session.get(User, owner_id)
        if (
            kept is None
            or owner is None
            or checked is None
            or not _may_sign_in(owner)
            or owner.password_hash != checked.password_hash  # changed meanwhile
        ):
            failures = login_throttle.record_failure(session, key)
            log.warning("auth.failed key=%s consecutive_failures=%d ip=%s", key, failures, address)
            return ProofResult(error="invalid_password")
        owner.password_hash = kept  # upgraded when the hashing parameters were raised
        login_throttle.record_success(session, key)
        pending = held_answers.look_up(session, ticket, LINK_EXISTING, browser)
        if isinstance(pending, HeldRefusal):  # finished or expired while the hash ran
            return ProofResult(error=pending.value)
        pending_session = partial(
            _pending_session, browser=browser, user_agent=user_agent, address=address
        )
        attached = _attach(session, pending, owner, "password", pending_session)
    if isinstance(attached, str):
        return ProofResult(error=attached)
    token, next_path = attached
    return ProofResult(completion_url=completion_url(token, next_path))


def _pending_session(
    session: Session, user_id: int, *, browser: str, user_agent: str, address: str
) -> str:
    return auth_sessions.create_pending(
        session, user_id=user_id, browser=browser, user_agent=user_agent, address=address
    )


# ----------------------------------------------------- proof by a linked service


def confirm_start(ticket: str, service_id: str, browser: str) -> int | str:
    """Before a ``CONFIRM`` round trip: the account to prove (its id), if this browser
    holds the ticket and ``service_id`` is linked to the account; else a refusal code."""
    with read_scope() as session:
        pending = held_answers.look_up(session, ticket, LINK_EXISTING, browser)
        if isinstance(pending, HeldRefusal):
            return pending.value
        owner = session.get(User, pending.user_id) if pending.user_id else None
        if owner is None or owner.id is None:
            return HeldRefusal.GONE.value
        if (refusal := _refusal_for(session, owner)) is not None:
            return refusal
        linked = {link.service_id for link in linked_accounts.links_of(session, owner.id)}
        return owner.id if service_id in linked else "not_that_account"


async def finish_confirming(
    trip: RoundTrip, result: SignInResult, *, browser: str, user_agent: str, address: str
) -> Outcome:
    """The callback of a ``CONFIRM`` round trip: the account is proven only by an external
    account linked to exactly it (``policy.proof_by_service_refusal``)."""
    rules = partial(_confirm, trip, result, browser, user_agent, address)
    return await settle(rules, trip.service.service_id)


def _confirm(
    trip: RoundTrip,
    result: SignInResult,
    browser: str,
    user_agent: str,
    address: str,
    session: Session,
) -> Outcome:
    back = trip.next_path  # the offer's page, which shows a problem
    pending = held_answers.look_up(session, ticket_of(back), LINK_EXISTING, browser)
    if isinstance(pending, HeldRefusal):
        return refuse(trip.service, pending.value, back)
    proof = existing_link(session, trip.service, result)
    owner = session.get(User, pending.user_id) if pending.user_id else None
    if proof is None:
        owner_of_proof = policy.LinkOwner.NOBODY
    elif owner is not None and proof.user_id == owner.id == trip.starter_id:
        owner_of_proof = policy.LinkOwner.THIS_USER
    else:
        owner_of_proof = policy.LinkOwner.ANOTHER_USER
    if (refusal := policy.proof_by_service_refusal(owner_of_proof)) is not None:
        return refuse(trip.service, refusal, back, user_id=pending.user_id)
    assert owner is not None and proof is not None

    def active_session(session: Session, user_id: int) -> str:
        return auth_sessions.create_active(
            session, user_id=user_id, user_agent=user_agent, address=address
        )

    attached = _attach(session, pending, owner, trip.service.service_id, active_session)
    if isinstance(attached, str):
        return Outcome(trip.service.service_id, back, refusal=attached)
    update_link(session, proof, result)  # the proving service signed in: its link is used
    linked_accounts.mark_used(proof)
    token, next_path = attached
    return Outcome(trip.service.service_id, next_path, auth_token=token)
