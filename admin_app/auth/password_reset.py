"""A forgotten password: a letter with a single-use link valid one hour, then a new
password, every session of the account ended and this browser signed in.

The form's answer is the same whether the login or address names an account or not, and
whether that account may get a letter (blocked, no address, asked too often): only a
client that asks too often is told so, which says nothing about any account. The letter
goes to the account's address on file, proven or not (``policy.password_reset_refusal``
says why); following the link proves it, unless another account proved it meanwhile.

Choosing the new password uses the link (compare-and-set: of two tabs, one wins), sets
the password, ends every session of the account (``auth_sessions.end_all_of`` also logs
its applications out), drops its other reset links, clears the sign-in throttle, records
an audit entry, and signs this browser in with the usual two steps: whoever holds the
link could sign in with the password just chosen anyway.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from admin_app.auth import policy
from admin_app.auth.accounts import completion_url
from admin_app.auth.new_password import check_new_password
from admin_app.core import asking, i18n, runtime
from admin_app.core.form_problems import FormError, Problems
from admin_app.core.i18n import N_, translate
from admin_app.core.input_checks import MAX_LINE_LENGTH, MAX_PASSWORD_TYPED, typed_text_problem
from admin_app.mail.letters import Action, Letter, compose
from admin_app.mail.outbox import mail_is_configured, queue_letter
from models import audit, auth_sessions, login_throttle, mail_links, rate_limits
from models.db import read_scope, session_scope
from models.mail_links import LinkRefusal, Purpose
from models.passwords import hash_password
from models.tables import MailLink, User
from models.users import (
    UserDataError,
    find_by_login_or_email,
    lock_user,
    record_sign_in,
    set_verified_email,
)

log = logging.getLogger(__name__)

#: reset letters to one address may be sent this often
LETTERS_PER_ADDRESS = 3
#: one client (an IP address) may ask this often
REQUESTS_PER_CLIENT = 10
WINDOW = timedelta(hours=1)
RESET_PATH = "/password/reset"


class TooManyAttemptsError(Exception):
    """This client asked too often: it is told to try later."""


class MailOffError(Exception):
    """The app cannot send mail: the form is closed."""


class ResetFormError(FormError):
    """The fields are ``identifier``, ``new_password`` and ``repeat_password``."""


class LinkRefusedError(Exception):
    """The link cannot be used: ``refusal`` says why, in the words of ``LinkRefusal``."""

    def __init__(self, refusal: LinkRefusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


@dataclass(frozen=True)
class ResetLink:
    """What the reset page shows before the new password is chosen."""

    login: str


def _letter(language: str, login: str, token: str) -> Letter:
    def t(message: str) -> str:
        return translate(message, language)

    url = runtime.settings().absolute_url(f"{RESET_PATH}?token={quote(token)}")
    return compose(
        t(N_("Choose a new password")),
        [
            t(N_("Hello {login},")).format(login=login),
            t(N_("Someone (we hope you) asked to choose a new password for your account.")),
        ],
        action=Action(t(N_("Choose a new password")), url),
        closing=t(
            N_(
                "The link works once, for one hour. If you did not ask, ignore this letter:"
                " your password stays as it is."
            )
        ),
    )


# ------------------------------------------------------------------- asking for it


async def ask_for_reset(identifier: str) -> None:
    """Send a reset link to the account named by a login or address, if any may get one;
    raises ResetFormError for what cannot be a login or address, MailOffError, or
    TooManyAttemptsError. Otherwise the answer is the same for every account and none."""
    if not mail_is_configured():
        raise MailOffError
    if problem := typed_text_problem(identifier, MAX_LINE_LENGTH):
        raise ResetFormError.single("identifier", problem, limit=MAX_LINE_LENGTH)
    if not identifier.strip():
        raise ResetFormError.single("identifier", N_("Enter your login or e-mail address."))
    await asyncio.to_thread(
        _ask_for_reset, identifier.strip(), asking.client_address(), i18n.current_language()
    )


def _ask_for_reset(identifier: str, address: str, language: str) -> None:
    with session_scope() as db_session:
        if not rate_limits.allow(
            db_session, f"reset:client:{address}", REQUESTS_PER_CLIENT, WINDOW
        ):
            log.warning("reset.throttled_client ip=%s", address)
            raise TooManyAttemptsError
        user = find_by_login_or_email(db_session, identifier)
        # counted for unknown names too, so that asking about one costs alike
        recipient = (user.email or "") if user is not None else identifier
        allowed = rate_limits.allow(
            db_session, f"reset:address:{recipient.lower()}", LETTERS_PER_ADDRESS, WINDOW
        )
        if user is None:
            log.info("reset.unknown ip=%s", address)
            return
        assert user.id is not None
        refusal = policy.password_reset_refusal(
            blocked=not user.is_active, has_address=bool(user.email)
        )
        if refusal is not None or not allowed or not user.email:
            log.info("reset.not_sent user_id=%d reason=%s", user.id, refusal or "throttled")
            return
        token = mail_links.make(
            db_session, Purpose.RESET_PASSWORD, email=user.email, user_id=user.id
        )
        queue_letter(
            db_session,
            recipient=user.email,
            kind="reset_password",
            language=language,
            letter=_letter(language, user.login, token),
        )
    log.info("reset.sent user_id=%d ip=%s", user.id, address)


# ------------------------------------------------------------------ following it


def _usable(db_session: Session, token: str) -> tuple[MailLink, User]:
    """The link and its account, if the link could be used now; raises LinkRefusedError.
    An account blocked since, or whose address changed since the letter, is as if the link
    were never made."""
    found = mail_links.check(db_session, token, Purpose.RESET_PASSWORD, "")
    if isinstance(found, LinkRefusal):
        raise LinkRefusedError(found)
    user = db_session.get(User, found.user_id) if found.user_id is not None else None
    if user is None or not user.is_active or (user.email_lower or "") != found.email.lower():
        raise LinkRefusedError(LinkRefusal.UNKNOWN)
    return found, user


def reset_link(token: str) -> ResetLink:
    """The link's account, for its page (nothing changes); raises LinkRefusedError."""
    with read_scope() as db_session:
        _link, user = _usable(db_session, token)
        return ResetLink(login=user.login)


async def reset_password(token: str, new: str, repeat: str) -> str:
    """Set the new password through the link; returns the URL that signs this browser in.
    Raises LinkRefusedError or ResetFormError (nothing changed then)."""
    problems = Problems(ResetFormError)
    for field_name, value in (("new_password", new), ("repeat_password", repeat)):
        if problem := typed_text_problem(value, MAX_PASSWORD_TYPED):
            problems.add(field_name, problem, limit=MAX_PASSWORD_TYPED)
    problems.raise_any()
    with read_scope() as db_session:
        _link, user = _usable(db_session, token)
        login, email = user.login, user.email or ""
    check_new_password(problems, new, repeat, login=login, email=email)
    problems.raise_any()
    return await asyncio.to_thread(
        _reset,
        token,
        new,
        asking.browser_id(),
        asking.client_address(),
        asking.user_agent(),
    )


def _reset(token: str, new: str, browser: str, address: str, user_agent: str) -> str:
    new_hash = hash_password(new)
    with session_scope() as db_session:
        link, user = _usable(db_session, token)
        used = mail_links.use(db_session, token, Purpose.RESET_PASSWORD, "")
        if isinstance(used, LinkRefusal):
            raise LinkRefusedError(used)
        user_id = user.id
        assert user_id is not None
        user = lock_user(db_session, user_id)
        user.password_hash = new_hash
        db_session.add(user)
        if not user.email_verified:  # the letter reached it: the address is proven
            try:
                with db_session.begin_nested():
                    set_verified_email(db_session, user, link.email)
            except (UserDataError, IntegrityError):
                pass  # another account proved it meanwhile: this one keeps it unproven
        ended = auth_sessions.end_all_of(db_session, user_id)
        mail_links.cancel_of_user(db_session, user_id, Purpose.RESET_PASSWORD)
        login_throttle.record_success(
            db_session, login_throttle.throttle_key(user_id=user.id, identifier="")
        )
        audit.record_by(
            db_session,
            audit.Actor(user.id, user.login, address),
            "password.reset",
            f"user:{user.id}",
            {"sessions_ended": ended},
        )
        record_sign_in(db_session, user)
        ticket = auth_sessions.create_pending(
            db_session, user_id=user_id, browser=browser, user_agent=user_agent, address=address
        )
        log.info("reset.done user_id=%d sessions_ended=%d ip=%s", user.id, ended, address)
    return completion_url(ticket, "/profile")
