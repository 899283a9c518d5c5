"""What signed-in people change about their own account on the profile page: name and
e-mail (a new address through ``email_change``), password, unlinking an external account, publishing activity through one.

Each action asks who is signed in at the moment it runs (a db_session ended in another tab
or a blocked user ends here too) and acts only on that person's own rows. One rule
spans them: an account must keep a way to sign in, so the last linked account of a user
without a password cannot be unlinked.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from admin_app.activity.delivery_problems import TURNED_OFF
from admin_app.auth.accounts import Viewer, current_viewer
from admin_app.auth.new_password import check_new_password
from admin_app.core import asking
from admin_app.core.form_problems import FormError, Problems
from admin_app.core.i18n import N_, current_language
from admin_app.mail.outbox import mail_is_configured
from admin_app.profile import email_change, grant_revocation
from admin_app.profile.email_change import (
    PendingChange,
    TooManyLettersError,
    ask_to_confirm,
    pending_change,
    same_address,
)
from admin_app.profile.grant_revocation import Revocation
from admin_app.services.catalogue import services_offered_anywhere
from models import auth_sessions, linked_accounts, login_throttle, mail_links, outbox
from models.db import session_scope
from models.mail_links import Purpose
from models.options import activity_options
from models.passwords import hash_password
from models.tables import LinkedAccount, User
from models.users import (
    MAX_NAME_LENGTH,
    UserDataError,
    check_email,
    lock_user,
    password_is_right,
)
from models.versions import StaleEditError, claim
from providers import PUBLISHERS

log = logging.getLogger("socialservices.profile")
TOO_MANY_LETTERS = N_("Too many letters were asked for lately. Try again in an hour.")

#: the services that can publish a user's activity (the activity issue sends to them)


class NotSignedInError(Exception):
    """Nobody (or a blocked user) is signed in in this browser any more."""


class AccountFormError(FormError):
    """The account form cannot be saved; the fields are ``first_name``, ``last_name``,
    ``email``, ``current_password``, ``new_password`` and ``repeat_password``."""


class LastSignInMethodError(Exception):
    """Unlinking would leave the account with no way to sign in: set a password first."""


class NoSuchLinkError(Exception):
    """The linked account is not (or no longer) this user's."""


class PublishingOffError(Exception):
    """The administrator does not allow sending activities (any more)."""


@dataclass(frozen=True)
class AccountView:
    first_name: str
    last_name: str
    email: str
    email_verified: bool
    #: a new address waiting for its link to be followed
    pending: PendingChange | None
    #: whether the site sends mail (else an address cannot be verified)
    mail_on: bool
    has_password: bool
    version: int


def acting_user() -> Viewer:
    viewer = current_viewer()
    if viewer is None:
        raise NotSignedInError
    return viewer


def _as_view(db_session: Session, user: User) -> AccountView:
    assert user.id is not None
    return AccountView(
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email or "",
        email_verified=user.email_verified,
        pending=pending_change(db_session, user.id),
        mail_on=mail_is_configured(),
        has_password=user.password_hash is not None,
        version=user.version,
    )


def own_account() -> AccountView:
    viewer = acting_user()
    with session_scope() as db_session:
        user = db_session.get(User, viewer.id)
        assert user is not None
        return _as_view(db_session, user)


def update_own_details(*, first_name: str, last_name: str, email: str, version: int) -> AccountView:
    """Change one's names and e-mail; raises AccountFormError (nothing saved) or
    StaleEditError when the account changed since the form was shown.

    A new address is not saved here when the site sends mail: a link goes to it
    (``email_change``) and the view shows it waiting. Without mail it is saved unverified;
    an empty one removes the address (and any change waiting)."""
    viewer = acting_user()
    problems = Problems(AccountFormError)
    first_name, last_name, email = first_name.strip(), last_name.strip(), email.strip()
    for field_name, value in (("first_name", first_name), ("last_name", last_name)):
        if len(value) > MAX_NAME_LENGTH:
            problems.add(field_name, N_("at most {limit} characters"), limit=MAX_NAME_LENGTH)
    if email:
        try:
            check_email(email)
        except UserDataError:
            problems.add("email", N_("This is not a valid e-mail address."))
    problems.raise_any()
    with session_scope() as db_session:
        user = db_session.get(User, viewer.id)
        assert user is not None
        claim(db_session, user, expected=version)
        user.first_name, user.last_name = first_name, last_name
        if not email:
            user.email, user.email_lower, user.email_verified = None, None, False
            mail_links.cancel_of_user(db_session, viewer.id, Purpose.CHANGE_EMAIL)
        elif same_address(email, user.email):
            user.email = email  # only its case may differ: still the same proven address
        elif mail_is_configured():
            try:
                ask_to_confirm(db_session, user, email, current_language())
            except TooManyLettersError:
                problems.add("email", TOO_MANY_LETTERS)
                problems.raise_any()
        else:
            user.email, user.email_lower, user.email_verified = email, email.lower(), False
        db_session.add(user)
        log.info("profile.details_changed user_id=%d", viewer.id)
        return _as_view(db_session, user)


async def change_own_password(*, current: str, new: str, repeat: str) -> None:
    """Set or change one's password, and sign out every other db_session of the account.

    The current password is asked for when there is one, under the sign-in's throttle
    (a db_session left open must not let anyone guess it at leisure); hashing runs in a
    worker thread, as at sign-in, so that other visitors do not wait.
    """
    viewer = acting_user()
    keep = asking.auth_token()
    problems = Problems(AccountFormError)
    with session_scope() as db_session:
        user = db_session.get(User, viewer.id)
        email = (user.email or "") if user is not None else ""
    check_new_password(problems, new, repeat, login=viewer.login, email=email)
    await asyncio.to_thread(_change_password, viewer.id, keep, current, new, problems)


def _change_password(user_id: int, keep: str, current: str, new: str, problems: Problems) -> None:
    with session_scope() as db_session:
        user = db_session.get(User, user_id)
        assert user is not None
        had_password = user.password_hash is not None
    if had_password:
        _check_current_password(user_id, current, problems)
    problems.raise_any()
    new_hash = hash_password(new)
    with session_scope() as db_session:
        user = lock_user(db_session, user_id)
        if (user.password_hash is not None) != had_password:
            raise StaleEditError  # set in another tab meanwhile: the form is out of date
        user.password_hash = new_hash
        db_session.add(user)
        ended = auth_sessions.end_others_of(db_session, user_id, keep=keep)
    log.info("profile.password_changed user_id=%d other_sessions_ended=%d", user_id, ended)


def _check_current_password(user_id: int, current: str, problems: Problems) -> None:
    key = login_throttle.throttle_key(user_id=user_id, identifier="")
    with session_scope() as db_session:
        wait = login_throttle.begin_attempt(db_session, key)
    if wait:
        problems.add(
            "current_password",
            N_("Too many failed attempts for this login. Try again in {seconds} s."),
            seconds=wait,
        )
        return
    with session_scope() as db_session:
        user = db_session.get(User, user_id)
        if password_is_right(db_session, user, current):
            login_throttle.record_success(db_session, key)
            return
        failures = login_throttle.record_failure(db_session, key)
    log.warning("profile.wrong_password user_id=%d consecutive_failures=%d", user_id, failures)
    problems.add("current_password", N_("The current password is not right."))


def signs_in_with(links: Sequence[LinkedAccount], offered: set[str]) -> list[LinkedAccount]:
    """The links one can sign in with: those of a service some site offers now."""
    return [link for link in links if link.service_id in offered]


async def unlink_own(link_id: int) -> Revocation:
    """Remove one of one's linked accounts, then ask its service to forget the grant
    (``grant_revocation``: the link stays removed whatever the service says). Raises
    LastSignInMethodError when it is the only way left to sign in (no password, and no
    other link to an offered service)."""
    viewer = acting_user()
    offered = services_offered_anywhere()
    with session_scope() as db_session:
        user = lock_user(db_session, viewer.id)
        links = linked_accounts.links_of(db_session, viewer.id)
        link = next((link for link in links if link.id == link_id), None)
        if link is None:
            raise NoSuchLinkError
        others = [other for other in signs_in_with(links, offered) if other.id != link_id]
        if user.password_hash is None and link.service_id in offered and not others:
            raise LastSignInMethodError
        held = grant_revocation.hold(link)
        db_session.delete(link)
    log.info("profile.unlinked user_id=%d service=%s", viewer.id, held.service_id)
    return await grant_revocation.revoke_held(held)


def set_publish_activity(link_id: int, on: bool) -> None:
    """Switch publishing one's activity through a linked X or Facebook account; only while
    the administrator allows sending activities."""
    viewer = acting_user()
    with session_scope() as db_session:
        link = db_session.get(LinkedAccount, link_id)
        if link is None or link.user_id != viewer.id or link.provider not in PUBLISHERS:
            raise NoSuchLinkError
        if on and not activity_options(db_session).send_activity:
            raise PublishingOffError
        link.publish_activity = on
        db_session.add(link)
        if not on:  # what was queued through it is not sent any more
            outbox.cancel_pending(db_session, TURNED_OFF, link_id=link_id)


def resend_email_link() -> None:
    """Mail the address waiting for confirmation a new link; raises TooManyLettersError."""
    email_change.send_again(acting_user().id, current_language())


def verify_present_email() -> None:
    """Mail one's present, unverified address a link proving it; raises TooManyLettersError."""
    email_change.confirm_current(acting_user().id, current_language())


def cancel_email_change() -> None:
    email_change.cancel(acting_user().id)
