"""Changing one's e-mail address on the profile: the new address takes effect only once the
link mailed to it is followed, and the old address is then told.

The answer to the person asking is the same whether or not the new address already belongs
to another account: registration and password reset do not reveal which addresses have
accounts, and a profile anyone can get (self-registration, any linked service) must not
either. The letter says it instead, to the only one who may know: the mailbox's owner. A
taken address gets a letter saying nothing changed, and the profile shows the same
"waiting for confirmation" as for any other (its link row is made but never sent, so it
cannot be followed). Both letters are throttled per account and per address.

Without mail (``mail_is_configured()`` false) an address cannot be proved: it is saved as
typed, unverified, as before. Removing the address is always direct.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import quote, urlsplit

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from admin_app.core import runtime
from admin_app.core.i18n import N_, translate
from admin_app.mail.letters import Action, compose
from admin_app.mail.outbox import mail_is_configured, queue_letter
from models import mail_links, rate_limits
from models.db import session_scope
from models.mail_links import LinkRefusal, Purpose
from models.tables import User
from models.users import (
    UserDataError,
    find_by_email,
    find_by_login,
    lock_user,
    set_verified_email,
)
from models.versions import claim

log = logging.getLogger("socialservices.profile")

CONFIRM_PATH = "/email/confirm"
#: letters asking to confirm an address: per account, and per address (its owner is spared
#: a flood of them from accounts that are not theirs)
PER_ACCOUNT = (5, timedelta(hours=1))
PER_ADDRESS = (3, timedelta(hours=1))


class TooManyLettersError(Exception):
    """Enough letters were asked for lately: nothing was sent."""


class ChangeOutcome(StrEnum):
    """What following a change link did (refusals have ``LinkRefusal``'s names)."""

    CONFIRMED = "confirmed"
    TAKEN = "taken"  # another account proved the address first: nothing changed


@dataclass(frozen=True)
class PendingChange:
    email: str
    sent_at: datetime


@dataclass(frozen=True)
class LinkPreview:
    """What a change link would do, shown before the person confirms it."""

    login: str
    email: str


def same_address(one: str | None, other: str | None) -> bool:
    return (one or "").strip().lower() == (other or "").strip().lower()


def pending_change(session: Session, user_id: int) -> PendingChange | None:
    link = mail_links.pending_of_user(session, user_id, Purpose.CHANGE_EMAIL)
    return PendingChange(link.email, link.created_at) if link is not None else None


def _site() -> str:
    return urlsplit(runtime.settings().base_url).netloc


def _taken_by_another(session: Session, user: User, email: str) -> bool:
    return any(
        other is not None and other.id != user.id
        for other in (find_by_email(session, email), find_by_login(session, email))
    )


def ask_to_confirm(session: Session, user: User, email: str, language: str) -> None:
    """Mail ``email`` a link making it ``user``'s address (a taken address gets a letter
    saying so instead); replaces the user's earlier change links. Raises
    TooManyLettersError (nothing sent). ``email`` is checked already."""
    assert user.id is not None
    if not rate_limits.allow(session, f"email_change:user:{user.id}", *PER_ACCOUNT):
        raise TooManyLettersError
    if not rate_limits.allow(session, f"email_change:address:{email.lower()}", *PER_ADDRESS):
        raise TooManyLettersError
    mail_links.cancel_of_user(session, user.id, Purpose.CHANGE_EMAIL)
    token = mail_links.make(session, Purpose.CHANGE_EMAIL, email=email, user_id=user.id)
    site = _site()
    if _taken_by_another(session, user, email):
        letter = compose(
            translate(N_("This e-mail address already has an account"), language),
            [
                translate(
                    N_(
                        "Someone asked to use this address for another account at {site}. "
                        "It already belongs to an account there, so nothing was changed."
                    ),
                    language,
                ).format(site=site),
                translate(
                    N_(
                        "If it was you and you cannot sign in to the account that has this "
                        "address, reset its password on the sign-in page."
                    ),
                    language,
                ),
            ],
            closing=translate(
                N_("If you did not ask for this, you can ignore this letter."), language
            ),
        )
        kind = "change_email_taken"
    else:
        url = runtime.settings().absolute_url(f"{CONFIRM_PATH}?token={quote(token)}")
        letter = compose(
            translate(N_("Confirm your new e-mail address"), language),
            [
                translate(
                    N_(
                        "Someone, hopefully you, asked to use this address for the account "
                        "{login} at {site}. Follow the link to confirm it. The link works "
                        "once, for 24 hours."
                    ),
                    language,
                ).format(login=user.login, site=site),
            ],
            action=Action(translate(N_("Confirm this address"), language), url),
            closing=translate(
                N_("If you did not ask for this, ignore this letter: nothing changes."),
                language,
            ),
        )
        kind = "change_email"
    queue_letter(session, recipient=email, kind=kind, language=language, letter=letter)
    log.info("profile.email_change_asked user_id=%d", user.id)


def send_again(user_id: int, language: str) -> None:
    """Mail the waiting address a new link (the earlier one stops working)."""
    with session_scope() as session:
        user = lock_user(session, user_id)
        waiting = pending_change(session, user_id)
        if waiting is not None:
            ask_to_confirm(session, user, waiting.email, language)


def confirm_current(user_id: int, language: str) -> None:
    """Mail one's present, unverified address a link proving it."""
    with session_scope() as session:
        user = lock_user(session, user_id)
        if user.email and not user.email_verified and mail_is_configured():
            ask_to_confirm(session, user, user.email, language)


def cancel(user_id: int) -> None:
    """Forget the waiting address: its link stops working."""
    with session_scope() as session:
        mail_links.cancel_of_user(session, user_id, Purpose.CHANGE_EMAIL)
    log.info("profile.email_change_cancelled user_id=%d", user_id)


def preview(token: str) -> LinkPreview | LinkRefusal:
    """What the link would do, or why it does nothing (nothing changes)."""
    with session_scope() as session:
        found = mail_links.check(session, token, Purpose.CHANGE_EMAIL, "")
        if isinstance(found, LinkRefusal):
            return found
        user = session.get(User, found.user_id) if found.user_id is not None else None
        if user is None:
            return LinkRefusal.UNKNOWN
        return LinkPreview(user.login, found.email)


def confirm(token: str, language: str) -> ChangeOutcome | LinkRefusal:
    """Follow a change link (in any browser: the mailbox is the proof): the address becomes
    the account's, verified; its other change links stop working; the old address is told.
    Used once, even when another account proved the address meanwhile (TAKEN)."""
    with session_scope() as session:
        used = mail_links.use(session, token, Purpose.CHANGE_EMAIL, "")
        if isinstance(used, LinkRefusal):
            return used
        if used.user_id is None:
            return LinkRefusal.UNKNOWN
        user = lock_user(session, used.user_id)
        old = user.email
        try:
            with session.begin_nested():
                set_verified_email(session, user, used.email)
        except (UserDataError, IntegrityError):
            log.info("profile.email_change_taken user_id=%d", user.id)
            return ChangeOutcome.TAKEN
        claim(session, user, None)  # an open profile form is out of date now
        mail_links.cancel_of_user(session, used.user_id, Purpose.CHANGE_EMAIL)
        if old and not same_address(old, used.email):
            _tell_old_address(session, user, old, used.email, language)
    log.info("profile.email_changed user_id=%d", used.user_id)
    return ChangeOutcome.CONFIRMED


def _tell_old_address(session: Session, user: User, old: str, new: str, language: str) -> None:
    letter = compose(
        translate(N_("Your e-mail address was changed"), language),
        [
            translate(
                N_(
                    "The e-mail address of the account {login} at {site} was changed from "
                    "{old} to {new}."
                ),
                language,
            ).format(login=user.login, site=_site(), old=old, new=new),
            translate(
                N_(
                    "If it was not you, someone may be using your account: change its "
                    "password if you still can, and tell the site's administrator at once."
                ),
                language,
            ),
        ],
    )
    queue_letter(session, recipient=old, kind="email_changed", language=language, letter=letter)
