"""Registration with the form: a login, an address, a password; the address proven by a
link sent to it.

Whether the address is known must not show: the form's answer ("check your mail") is the
same for a new address and for one an account has already proven, and the password is
hashed either way so that the answer takes as long. A proven address gets no second
account but a letter telling its owner someone tried (in "later" mode, where a new
account signs in at once, the account is made anyway, its address unproven for good:
refusing it there would tell). A taken login is said: logins are not secret.

An account made here is "awaiting verification" while its address is unproven, it has
never signed in and its registration link is kept: in "before" mode such an account
cannot sign in with its password (``policy.unverified_sign_in_refusal``); the sign-in
form offers to send the link again (``resend_verification``).

The link works in any browser: it proves the address wherever it is opened, and signs
in only the browser that registered (it is remembered in the link, as a digest). Its page
asks for one click before using it, so that a mail scanner opening links uses nothing.
Letters per address and registrations per client are counted (``rate_limits``); a
throttled address gets the same answer as any other.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from urllib.parse import quote

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from admin_app.auth import policy
from admin_app.auth.accounts import awaiting_verification, completion_url
from admin_app.auth.new_password import check_new_password
from admin_app.core import asking, i18n, runtime
from admin_app.core.form_problems import FormError, Problems
from admin_app.core.i18n import N_, translate
from admin_app.core.input_checks import MAX_LINE_LENGTH, MAX_PASSWORD_TYPED, typed_text_problem
from admin_app.core.messages import USER_DATA_ERRORS
from admin_app.mail.letters import Action, Letter, compose
from admin_app.mail.outbox import mail_is_configured, queue_letter
from models import audit, auth_sessions, mail_links, rate_limits
from models.db import read_scope, session_scope
from models.digests import digest
from models.mail_links import LinkRefusal, Purpose
from models.options import registration_options
from models.passwords import hash_password
from models.tables import User
from models.users import (
    UserDataError,
    check_email,
    check_login,
    create_user,
    find_by_email,
    find_by_login,
    find_by_login_or_email,
    record_sign_in,
    set_verified_email,
)

log = logging.getLogger(__name__)

#: letters about registering one address may be sent this often
LETTERS_PER_ADDRESS = 3
#: one client (an IP address) may register this often
REGISTRATIONS_PER_CLIENT = 10
WINDOW = timedelta(hours=1)
VERIFY_PATH = "/register/verify"


class RegistrationClosedError(Exception):
    """The form is closed (``policy.self_registration_refusal`` names why)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TooManyAttemptsError(Exception):
    """This client asked too often: it is told to try later."""


class RegistrationFormError(FormError):
    """The fields are ``login``, ``email``, ``password`` and ``repeat_password``."""


@dataclass(frozen=True)
class Registered:
    """What the person sees next: the page that finishes signing in ("later" mode, a new
    account), else "check your mail"."""

    completion_url: str | None = None


class Verified(StrEnum):
    """What following a registration link did, besides the refusals of ``LinkRefusal``."""

    SIGNED_IN = "signed_in"  # this browser registered: ``completion_url`` signs it in
    ALREADY_SIGNED_IN = "already_signed_in"  # this browser is signed in as the account
    SIGN_IN = "sign_in"  # proven; the person signs in (another browser)
    EMAIL_TAKEN = "email_taken"  # another account proved the address meanwhile
    CHANGED = "changed"  # the account's address is another one now


@dataclass(frozen=True)
class VerifyOutcome:
    result: Verified | LinkRefusal
    completion_url: str | None = None


def closed_reason() -> str | None:
    """Why the form is closed ("registration_off", "mail_off"), None while it is open."""
    with read_scope() as db_session:
        allowed = registration_options(db_session).allow_self_registration
    return policy.self_registration_refusal(allowed=allowed, mail_configured=mail_is_configured())


# ------------------------------------------------------------------------- letters


def _verification_letter(language: str, login: str, token: str) -> tuple[str, Letter]:
    def t(message: str) -> str:
        return translate(message, language)

    url = runtime.settings().absolute_url(f"{VERIFY_PATH}?token={quote(token)}")
    return "verify_registration", compose(
        t(N_("Confirm your e-mail address")),
        [
            t(N_("Hello {login},")).format(login=login),
            t(N_("To finish registering, confirm that this address is yours.")),
        ],
        action=Action(t(N_("Confirm my address")), url),
        closing=t(
            N_(
                "The link works for two days. If you did not register, ignore this letter:"
                " without the link, nobody can confirm your address."
            )
        ),
    )


def _attempt_letter(language: str) -> tuple[str, Letter]:
    def t(message: str) -> str:
        return translate(message, language)

    settings = runtime.settings()
    return "registration_attempt", compose(
        t(N_("Someone tried to register with your address")),
        [
            t(
                N_(
                    "Someone tried to register a new account with this e-mail address, which"
                    " already belongs to an account here. No new account was made."
                )
            ),
            t(
                N_(
                    "If it was you, sign in to your account; if you forgot its password, ask for"
                    " a new one: {url}"
                )
            ).format(url=settings.absolute_url("/password/forgot")),
        ],
        action=Action(t(N_("Sign in")), settings.absolute_url("/login")),
        closing=t(N_("If it was not you, ignore this letter: nothing changed.")),
    )


def _queue(db_session: Session, recipient: str, language: str, made: tuple[str, Letter]) -> None:
    kind, letter = made
    queue_letter(
        db_session,
        recipient=recipient,
        kind=kind,
        language=language,
        letter=letter,
    )


# ---------------------------------------------------------------------- the form


def _checked_fields(login: str, email: str, password: str, repeat: str) -> tuple[str, str]:
    """The login and address as stored; raises RegistrationFormError with every problem."""
    problems = Problems(RegistrationFormError)
    typed = {"login": (login, MAX_LINE_LENGTH), "email": (email, MAX_LINE_LENGTH)}
    typed |= {"password": (password, MAX_PASSWORD_TYPED)}
    typed |= {"repeat_password": (repeat, MAX_PASSWORD_TYPED)}
    for field_name, (value, limit) in typed.items():
        if problem := typed_text_problem(value, limit):
            problems.add(field_name, problem, limit=limit)
    problems.raise_any()
    login, email = login.strip(), email.strip()
    for field_name, value, check in (("login", login, check_login), ("email", email, check_email)):
        try:
            check(value)
        except UserDataError as error:
            problems.add(field_name, USER_DATA_ERRORS[error.code])
    check_new_password(problems, password, repeat, login=login, email=email, field="password")
    with read_scope() as db_session:
        _taken(db_session, login, email, problems)
    problems.raise_any()
    return login, email


def _taken(db_session: Session, login: str, email: str, problems: Problems) -> None:
    """A taken login is said (logins are not secret); so is an address that is somebody's
    login (the sign-in form's "login or e-mail" must name one account)."""
    if "login" not in problems.found and find_by_login_or_email(db_session, login) is not None:
        problems.add("login", USER_DATA_ERRORS["login_taken"])
    if "email" not in problems.found and find_by_login(db_session, email) is not None:
        problems.add("email", N_("This address is another account's login: use another one."))


async def register(
    login: str, email: str, password: str, repeat: str, next_path: str = "/profile"
) -> Registered:
    """Register from the form; raises RegistrationClosedError, RegistrationFormError or
    TooManyAttemptsError. In "later" mode the new account lands on ``next_path`` (checked
    by the caller: ``safe_next``). The hashing runs in a worker thread."""
    reason = closed_reason()
    if reason is not None:
        raise RegistrationClosedError(reason)
    login, email = _checked_fields(login, email, password, repeat)
    return await asyncio.to_thread(
        _register,
        login,
        email,
        password,
        asking.client_address(),
        asking.browser_id(),
        asking.user_agent(),
        i18n.current_language(),
        next_path,
    )


def _register(
    login: str,
    email: str,
    password: str,
    address: str,
    browser: str,
    user_agent: str,
    language: str,
    next_path: str,
) -> Registered:
    with session_scope() as db_session:
        if not rate_limits.allow(
            db_session, f"register:client:{address}", REGISTRATIONS_PER_CLIENT, WINDOW
        ):
            log.warning("registration.throttled_client ip=%s", address)
            raise TooManyAttemptsError
    password_hash = hash_password(password)  # known address or not: the same time
    with session_scope() as db_session:
        verification = registration_options(db_session).email_verification
        owner = find_by_email(db_session, email)
        if not rate_limits.allow(
            db_session, f"register:address:{email.lower()}", LETTERS_PER_ADDRESS, WINDOW
        ):
            log.warning("registration.throttled_address ip=%s", address)
            return Registered()
        if find_by_login(db_session, login) is not None:  # told whether or not the
            # address is known: a taken login is no secret, a known address is
            raise RegistrationFormError.single("login", USER_DATA_ERRORS["login_taken"])
        if owner is not None:
            _queue(db_session, email, language, _attempt_letter(language))
            log.info("registration.address_known owner_id=%s ip=%s", owner.id, address)
            if verification != policy.VERIFY_LATER:
                return Registered()
        try:
            with db_session.begin_nested():
                # the address as typed, unproven: an owner's address is refused by
                # create_user, but here it must not tell (and takes nothing away)
                user = create_user(db_session, login=login, email=None, password=None)
        except (UserDataError, IntegrityError):  # the same login a moment ago
            raise RegistrationFormError.single("login", USER_DATA_ERRORS["login_taken"]) from None
        assert user.id is not None
        user.password_hash = password_hash
        user.email, user.email_lower = email, email.lower()
        user.awaiting_email_proof = verification != policy.VERIFY_LATER
        db_session.add(user)
        db_session.flush()
        if owner is None:
            token = mail_links.make(
                db_session,
                Purpose.VERIFY_REGISTRATION,
                email=email,
                user_id=user.id,
                browser_binding=digest(browser) if browser else "",
            )
            _queue(db_session, email, language, _verification_letter(language, login, token))
        audit.record_by(
            db_session,
            audit.Actor(user.id, user.login, address),
            "user.register",
            f"user:{user.id}",
            {"login": login, "email_verification": verification},
        )
        log.info("registration.created user_id=%d ip=%s", user.id, address)
        if verification != policy.VERIFY_LATER or not browser:
            return Registered()
        record_sign_in(db_session, user)
        ticket = auth_sessions.create_pending(
            db_session, user_id=user.id, browser=browser, user_agent=user_agent, address=address
        )
    return Registered(completion_url=completion_url(ticket, next_path))


# ---------------------------------------------------------------------- the link


def link_refusal(token: str) -> LinkRefusal | None:
    """Why the link cannot be used (nothing changes), for its page before the click."""
    with read_scope() as db_session:
        found = mail_links.check(db_session, token, Purpose.VERIFY_REGISTRATION, "")
    if isinstance(found, LinkRefusal) and found is not LinkRefusal.OTHER_BROWSER:
        return found
    return None


def verify(token: str) -> VerifyOutcome:
    """Follow the link: the address is proven; the browser that registered is signed in."""
    browser = asking.browser_id()
    auth_token = asking.auth_token()
    address, user_agent = asking.client_address(), asking.user_agent()
    with session_scope() as db_session:
        used = mail_links.use_in_any_browser(
            db_session, token, Purpose.VERIFY_REGISTRATION, digest(browser) if browser else ""
        )
        if isinstance(used, LinkRefusal):
            return VerifyOutcome(used)
        link, same_browser = used
        user = db_session.get(User, link.user_id) if link.user_id is not None else None
        if user is None:
            return VerifyOutcome(LinkRefusal.UNKNOWN)
        assert user.id is not None
        if (user.email_lower or "") != link.email.lower():
            log.info("registration.address_changed user_id=%d", user.id)
            return VerifyOutcome(Verified.CHANGED)
        try:
            with db_session.begin_nested():
                set_verified_email(db_session, user, link.email)
        except (UserDataError, IntegrityError):
            log.info("registration.address_taken user_id=%d", user.id)
            return VerifyOutcome(Verified.EMAIL_TAKEN)
        log.info("registration.verified user_id=%d same_browser=%s", user.id, same_browser)
        if auth_token and auth_sessions.user_of(db_session, auth_token) == user.id:
            return VerifyOutcome(Verified.ALREADY_SIGNED_IN)
        refusal = policy.password_sign_in_refusal(blocked=not user.is_active)
        if not same_browser or refusal is not None:
            return VerifyOutcome(Verified.SIGN_IN)
        record_sign_in(db_session, user)
        ticket = auth_sessions.create_pending(
            db_session, user_id=user.id, browser=browser, user_agent=user_agent, address=address
        )
    return VerifyOutcome(Verified.SIGNED_IN, completion_url(ticket, "/profile"))


# ---------------------------------------------- "before": signing in, sending it again


def resend_verification(user_id: int) -> None:
    """Send the registration link again to an account awaiting verification (the sign-in
    form offers it once the password was right); the older links stop working. Raises
    TooManyAttemptsError for a client that asks too often; a throttled address is told
    nothing more."""
    address, browser = asking.client_address(), asking.browser_id()
    language = i18n.current_language()
    with session_scope() as db_session:
        user = db_session.get(User, user_id)
        if user is None or not user.email or not awaiting_verification(user):
            return
        if not rate_limits.allow(
            db_session, f"register:client:{address}", REGISTRATIONS_PER_CLIENT, WINDOW
        ):
            raise TooManyAttemptsError
        if not rate_limits.allow(
            db_session, f"register:address:{user.email.lower()}", LETTERS_PER_ADDRESS, WINDOW
        ):
            log.warning("registration.resend_throttled user_id=%d", user_id)
            return
        mail_links.cancel_of_user(db_session, user_id, Purpose.VERIFY_REGISTRATION)
        token = mail_links.make(
            db_session,
            Purpose.VERIFY_REGISTRATION,
            email=user.email,
            user_id=user_id,
            browser_binding=digest(browser) if browser else "",
        )
        _queue(db_session, user.email, language, _verification_letter(language, user.login, token))
    log.info("registration.resent user_id=%d", user_id)
