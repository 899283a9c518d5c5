"""What signed-in people change about their own account on the profile page: name and
e-mail, password, unlinking an external account, publishing activity through one.

Each action asks who is signed in at the moment it runs (a session ended in another tab
or a blocked user ends here too) and acts only on that person's own rows. One rule
spans them: an account must keep a way to sign in, so the last linked account of a user
without a password cannot be unlinked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session, select

from admin_app.accounts import Viewer, current_viewer
from admin_app.form_problems import FormError, Problems
from admin_app.i18n import N_
from models import linked_accounts
from models.db import session_scope
from models.options import activity_options
from models.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, hash_password
from models.tables import LinkedAccount, User
from models.users import (
    MAX_NAME_LENGTH,
    UserDataError,
    check_email,
    check_password,
    find_by_email,
    find_by_login,
    password_is_right,
)
from models.versions import claim

log = logging.getLogger("socialservices.profile")

#: the services that can publish a user's activity (the activity issue sends to them)
PUBLISHING_PROVIDERS = ("twitter", "facebook")


class NotSignedInError(Exception):
    """Nobody (or a blocked user) is signed in in this browser any more."""


class AccountFormError(FormError):
    """The account form cannot be saved; the fields are ``first_name``, ``last_name``,
    ``email``, ``current_password``, ``new_password`` and ``repeat_password``."""


class LastSignInMethodError(Exception):
    """Unlinking would leave the account with no way to sign in: set a password first."""


class NoSuchLinkError(Exception):
    """The linked account is not (or no longer) this user's."""


@dataclass(frozen=True)
class AccountView:
    first_name: str
    last_name: str
    email: str
    has_password: bool
    version: int


def acting_user() -> Viewer:
    viewer = current_viewer()
    if viewer is None:
        raise NotSignedInError
    return viewer


def _locked_user(session: Session, user_id: int) -> User:
    """The user's row, locked until the end of the transaction (PostgreSQL; SQLite's
    writers take turns anyway): two tabs unlinking at once then count links in turn."""
    user = session.exec(select(User).where(User.id == user_id).with_for_update()).one()
    return user


def _as_view(user: User) -> AccountView:
    return AccountView(
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email or "",
        has_password=user.password_hash is not None,
        version=user.version,
    )


def own_account() -> AccountView:
    viewer = acting_user()
    with session_scope() as session:
        user = session.get(User, viewer.id)
        assert user is not None
        return _as_view(user)


def update_own_details(*, first_name: str, last_name: str, email: str, version: int) -> AccountView:
    """Change one's names and e-mail; raises AccountFormError (nothing saved) or
    StaleEditError when the account changed since the form was shown."""
    viewer = acting_user()
    problems = Problems(AccountFormError)
    first_name, last_name, email = first_name.strip(), last_name.strip(), email.strip()
    for field_name, value in (("first_name", first_name), ("last_name", last_name)):
        if len(value) > MAX_NAME_LENGTH:
            problems.add(field_name, N_("at most {limit} characters"), limit=MAX_NAME_LENGTH)
    with session_scope() as session:
        if email:
            try:
                check_email(email)
            except UserDataError:
                problems.add("email", N_("This is not a valid e-mail address."))
            else:
                others = [find_by_email(session, email), find_by_login(session, email)]
                if any(other is not None and other.id != viewer.id for other in others):
                    problems.add("email", N_("This e-mail address belongs to another user."))
        problems.raise_any()
        user = session.get(User, viewer.id)
        assert user is not None
        claim(session, user, expected=version)
        user.first_name, user.last_name = first_name, last_name
        user.email, user.email_lower = email or None, email.lower() or None
        session.add(user)
        session.flush()
        log.info("profile.details_changed user_id=%d", viewer.id)
        return _as_view(user)


def change_own_password(*, current: str, new: str, repeat: str) -> None:
    """Set or change one's password: the current one is asked for when there is one."""
    viewer = acting_user()
    problems = Problems(AccountFormError)
    try:
        check_password(new)
    except UserDataError:
        problems.add(
            "new_password",
            N_("A password has {min} to {max} characters."),
            min=MIN_PASSWORD_LENGTH,
            max=MAX_PASSWORD_LENGTH,
        )
    if new != repeat:
        problems.add("repeat_password", N_("The two passwords differ."))
    with session_scope() as session:
        user = _locked_user(session, viewer.id)
        if user.password_hash is not None and not password_is_right(session, user, current):
            problems.add("current_password", N_("The current password is not right."))
        problems.raise_any()
        user.password_hash = hash_password(new)
        user.version += 1
        session.add(user)
    log.info("profile.password_changed user_id=%d", viewer.id)


def unlink_own(link_id: int) -> str:
    """Remove one of one's linked accounts; returns its service id. Raises
    LastSignInMethodError when it is the only way left to sign in."""
    viewer = acting_user()
    with session_scope() as session:
        user = _locked_user(session, viewer.id)
        links = linked_accounts.links_of(session, viewer.id)
        link = next((link for link in links if link.id == link_id), None)
        if link is None:
            raise NoSuchLinkError
        if user.password_hash is None and len(links) == 1:
            raise LastSignInMethodError
        session.delete(link)
        log.info("profile.unlinked user_id=%d service=%s", viewer.id, link.service_id)
        return link.service_id


def set_publish_activity(link_id: int, on: bool) -> None:
    """Switch publishing one's activity through a linked X or Facebook account; only while
    the administrator allows sending activities."""
    viewer = acting_user()
    with session_scope() as session:
        link = session.get(LinkedAccount, link_id)
        if link is None or link.user_id != viewer.id or link.provider not in PUBLISHING_PROVIDERS:
            raise NoSuchLinkError
        if on and not activity_options(session).send_activity:
            raise NoSuchLinkError
        link.publish_activity = on
        session.add(link)
