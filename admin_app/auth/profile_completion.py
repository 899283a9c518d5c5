""" "Complete your profile": a newcomer whose service gave no address it vouches for (X,
Telegram, Odnoklassniki without GET_EMAIL), where the administrator requires one.

The service's answer is held for the browser that brought it; the person types an address
and we send a link there. Following the link in that browser proves the address and
makes the account (verified address, the link to the service), signed in. In another
browser the link does nothing and says where to open it. When the typed address is one an
account has proven, the letter offers to sign in to that account instead, and following
it leads to "link to your account" (``existing_account``): the page says the same
"check your mail" either way, so that it tells nobody which addresses have accounts.
Without mail there is no way to prove an address: the newcomer is refused
(``policy.address_step_refusal``), with the reason in the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from sqlmodel import Session

from admin_app.auth import existing_account, held_answers, newcomers, policy
from admin_app.auth.accounts import completion_url
from admin_app.auth.external_links import existing_link
from admin_app.auth.held_answers import HeldRefusal
from admin_app.auth.round_trip import Outcome, refuse
from admin_app.core import asking, runtime
from admin_app.core.i18n import N_, current_language, translate
from admin_app.mail.letters import Action, Letter, compose
from admin_app.mail.outbox import mail_is_configured, queue_letter
from admin_app.services.catalogue import SiteService
from models import auth_sessions, mail_links, pending_signups, rate_limits
from models.db import read_scope, session_scope
from models.mail_links import LinkRefusal
from models.pending_signups import COMPLETE_PROFILE
from models.users import MAX_EMAIL_LENGTH, find_by_email, is_valid_email

log = logging.getLogger(__name__)

PAGE = "/signup/email"
CONFIRM_PAGE = "/signup/email/confirm"
#: letters to one address, and letters asked for by one client, in ``WINDOW``
LETTERS_PER_ADDRESS = 3
LETTERS_PER_CLIENT = 10
WINDOW = timedelta(hours=1)
LETTER_KIND = "complete_profile"
#: the log's words for a refusal without mail (the administrator reads them)
_NO_MAIL = {"why": "an address is required but SOCIALSERVICES_SMTP_URL is not set"}


def page_path(ticket: str) -> str:
    return f"{PAGE}?ticket={quote(ticket)}"


def ask(session: Session, trip: held_answers.HeldTrip, contact: str | None) -> Outcome:
    """Hold a newcomer's answer and send the browser to ask for an address; ``contact`` is
    an address the service gave without vouching for it, offered as the form's first
    value."""
    service = trip.service
    if (refusal := policy.address_step_refusal(mail_configured=mail_is_configured())) is not None:
        return refuse(service, refusal, trip.next_path, **_NO_MAIL)
    suggested = contact if contact and is_valid_email(contact) else ""
    ticket = held_answers.hold(session, COMPLETE_PROFILE, trip, email=suggested)
    log.info("social.address_asked service=%s", service.service_id)
    return Outcome(service.service_id, page_path(ticket))


@dataclass(frozen=True)
class AddressRequest:
    """What the page asking for an address shows."""

    service: SiteService
    suggested: str  # the form's first value


def look(ticket: str) -> AddressRequest | str:
    """The request of this ticket for the asking browser, or a refusal code."""
    with read_scope() as session:
        pending = held_answers.look_up(session, ticket, COMPLETE_PROFILE, asking.browser_id())
        if isinstance(pending, HeldRefusal):
            return pending.value
        service = held_answers.held_service(session, pending)
        if service is None:
            return "service_unavailable"
        return AddressRequest(service, pending.email)


@dataclass(frozen=True)
class Sent:
    masked_email: str = ""  # "check your mail" at this address
    #: "invalid_email", "throttled", or a refusal code of ``refusals``
    error: str | None = None


def send_link(ticket: str, email: str) -> Sent:
    """Send the link that proves ``email`` (or, for an address an account has proven, the
    offer to sign in to it): the same answer either way."""
    email = email.strip()
    if len(email) > MAX_EMAIL_LENGTH or not is_valid_email(email):
        return Sent(error="invalid_email")
    browser, client, language = asking.browser_id(), asking.client_address(), current_language()
    with session_scope() as session:
        pending = held_answers.look_up(session, ticket, COMPLETE_PROFILE, browser)
        if isinstance(pending, HeldRefusal):
            return Sent(error=pending.value)
        service = held_answers.held_service(session, pending)
        if service is None:
            return Sent(error="service_unavailable")
        if not mail_is_configured():  # removed since the address was asked for
            return Sent(error="address_unprovable")
        if not (
            rate_limits.allow(
                session, f"{LETTER_KIND}:to:{email.lower()}", LETTERS_PER_ADDRESS, WINDOW
            )
            and rate_limits.allow(
                session, f"{LETTER_KIND}:from:{client}", LETTERS_PER_CLIENT, WINDOW
            )
        ):
            log.warning("social.address_throttled service=%s ip=%s", service.service_id, client)
            return Sent(error="throttled")
        owner = find_by_email(session, email)
        token = mail_links.make(
            session,
            mail_links.Purpose.COMPLETE_PROFILE,
            email=email,
            user_id=owner.id if owner is not None else None,
            browser_binding=held_answers.binding(browser),
            pending_id=pending.id,
        )
        title = translate(service.title, language)
        letter = _letter(language, title, token, has_account=owner is not None)
        queue_letter(session, recipient=email, kind=LETTER_KIND, language=language, letter=letter)
        pending.email = email  # the form's value if the person comes back to it
        session.add(pending)
    log.info("social.address_link_sent service=%s", service.service_id)
    return Sent(masked_email=held_answers.masked(email))


def _letter(language: str, service: str, token: str, *, has_account: bool) -> Letter:
    def t(message: str) -> str:
        return translate(message, language)

    url = runtime.settings().absolute_url(f"{CONFIRM_PAGE}?token={quote(token)}")
    where = t(
        N_(
            "Open the link in the same browser where you signed in with {service}: it works "
            "only there, and for one hour."
        )
    ).format(service=service)
    closing = t(N_("If it was not you, ignore this letter: nothing happens without the link."))
    if has_account:
        return compose(
            t(N_("Sign in to your account to add {service}")).format(service=service),
            [
                t(
                    N_(
                        "Someone signed in with {service} and gave this address, which already "
                        "belongs to an account here. If it was you, follow the link to sign in "
                        "to that account and add {service} to it."
                    )
                ).format(service=service),
                where,
            ],
            action=Action(t(N_("Sign in and add {service}")).format(service=service), url),
            closing=closing,
        )
    return compose(
        t(N_("Confirm your e-mail address")),
        [
            t(
                N_(
                    "To finish creating your account with {service}, confirm that this "
                    "address is yours. The account is made when you follow the link."
                )
            ).format(service=service),
            where,
        ],
        action=Action(t(N_("Confirm my address")), url),
        closing=closing,
    )


@dataclass(frozen=True)
class Followed:
    url: str | None = None  # finishing signing in, or the offer to link to an account
    refusal: str | None = None  # a refusal code of ``refusals``


def follow(token: str) -> Followed:
    """The link of a letter, followed: in the browser that holds the answer, the account
    is made (or, for an address an account has proven, the offer to link to it comes
    next); anywhere else nothing happens, and the link still works where it should."""
    browser = asking.browser_id()
    with session_scope() as session:
        used = mail_links.use(
            session, token, mail_links.Purpose.COMPLETE_PROFILE, held_answers.binding(browser)
        )
        if isinstance(used, LinkRefusal):
            log.warning("social.address_link_refused reason=%s", used.value)
            reason = LinkRefusal.UNKNOWN if used is LinkRefusal.WRONG_PURPOSE else used
            return Followed(refusal=f"profile_link_{reason.value}")
        pending = pending_signups.by_id(
            session, used.pending_id or "", COMPLETE_PROFILE, held_answers.binding(browser)
        )
        service = held_answers.held_service(session, pending) if pending else None
        result = held_answers.answer_of(pending) if pending else None
        if pending is None or service is None or result is None:
            return Followed(refusal="service_unavailable" if pending else HeldRefusal.GONE.value)
        owner = find_by_email(session, used.email)
        if owner is not None:  # proven by an account meanwhile or before: never merged
            trip = held_answers.trip_of(pending, service, browser)
            offered = existing_account.offer(session, trip, owner)
            pending_signups.release(session, pending)
            return Followed(url=offered.next_path, refusal=offered.refusal)
        refusal = policy.registration_refusal(newcomers.facts(session, email_taken=False))
        if refusal is None and existing_link(session, service, result) is not None:
            refusal = "linked_elsewhere"  # registered by another of its answers meanwhile
        if refusal is not None:
            return Followed(refusal=refuse(service, refusal).refusal)
        user = newcomers.register(
            session, service, pending.site_id, result, used.email, proven_by="mail"
        )
        assert user.id is not None
        ticket = auth_sessions.create_pending(
            session,
            user_id=user.id,
            browser=browser,
            user_agent=asking.user_agent(),
            address=asking.client_address(),
        )
        next_path = pending.next_path
        pending_signups.release(session, pending)
    return Followed(url=completion_url(ticket, next_path))
