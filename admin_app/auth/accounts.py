"""Use cases of a person's own account: local sign-in, who is asking, signing out.

Signing in happens in two steps because a page event cannot set a cookie: the event
checks the password and creates a pending session bound to this browser; the browser is
then sent to ``/auth/complete`` which activates it once and sets the cookie. The pages
that sign a browser in after a link from a letter (registration, password reset) use the
same two steps (``completion_url``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlmodel import Session

from admin_app.auth import policy
from admin_app.core import asking, metrics
from models import auth_sessions, login_throttle
from models.db import read_scope, session_scope
from models.options import registration_options
from models.tables import User
from models.users import checked_password, find_by_login_or_email, is_administrator, record_sign_in

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Viewer:
    """The signed-in person, as pages need them."""

    id: int
    login: str
    display_name: str
    is_admin: bool


@dataclass(frozen=True)
class LocalSignInResult:
    completion_url: str | None = None  # where to send the browser to finish signing in
    #: "invalid_credentials", "throttled", "unavailable" or "email_unverified" (the
    #: password was right; the account's address must be proven first)
    error: str | None = None
    wait_seconds: int = 0
    #: with "email_unverified": whose registration link the form may send again
    unverified_user_id: int | None = None


def _viewer(db_session: Session, user: User) -> Viewer:
    assert user.id is not None
    name = f"{user.first_name} {user.last_name}".strip() or user.login
    return Viewer(user.id, user.login, name, is_administrator(db_session, user.id))


def completion_url(token: str, next_path: str) -> str:
    return f"/auth/complete?ticket={quote(token)}&next={quote(next_path, safe='/')}"


async def sign_in_locally(identifier: str, password: str, next_path: str) -> LocalSignInResult:
    """Check a login (or e-mail) and password; on success the URL that finishes sign-in.

    The same error is given for an unknown login and a wrong password. The hashing runs
    in a worker thread so that other visitors are not kept waiting.
    """
    browser = asking.browser_id()
    result = await asyncio.to_thread(
        _check_local_sign_in,
        identifier,
        password,
        browser,
        asking.client_address(),
        asking.user_agent(),
    )
    if result is None:  # the server is shutting down
        return LocalSignInResult(error="unavailable")
    token, wait, unverified = result
    if unverified is not None:
        refused = LocalSignInResult(error="email_unverified", unverified_user_id=unverified)
    elif token is None:
        refused = LocalSignInResult(
            error="throttled" if wait else "invalid_credentials", wait_seconds=wait
        )
    else:
        metrics.count_sign_in(metrics.PASSWORD, "", None)
        return LocalSignInResult(completion_url=completion_url(token, next_path))
    metrics.count_sign_in(metrics.PASSWORD, "", refused.error)
    return refused


def awaiting_verification(user: User) -> bool:
    """Registered with the form to prove the address before the first sign-in, and not
    proven yet (``admin_app.auth.registration``)."""
    return user.awaiting_email_proof and not user.email_verified


def _check_local_sign_in(
    identifier: str, password: str, browser: str, address: str, user_agent: str
) -> tuple[str | None, int, int | None]:
    """The pending session's ticket, else the seconds to wait, and the account when the
    password was right but its address must be proven first."""
    with session_scope() as db_session:
        user = find_by_login_or_email(db_session, identifier)
        user_id = user.id if user else None
        key = login_throttle.throttle_key(user_id=user_id, identifier=identifier)
        wait = login_throttle.begin_attempt(db_session, key)
    if wait:
        log.warning("auth.throttled key=%s wait=%ss ip=%s", key, wait, address)
        return None, wait, None
    with read_scope() as db_session:
        checked = db_session.get(User, user_id) if user_id is not None else None
    # the hashing outside any transaction: on SQLite, other writers need not wait for it;
    # a user who may not sign in is checked as nobody, which takes as long
    kept = checked_password(checked if _may_sign_in(checked) else None, password)
    with session_scope() as db_session:
        user = db_session.get(User, user_id) if user_id is not None else None
        if (
            kept is None
            or user is None
            or checked is None
            or not _may_sign_in(user)  # blocked meanwhile
            or user.password_hash != checked.password_hash  # changed meanwhile
        ):
            failures = login_throttle.record_failure(db_session, key)
            log.warning("auth.failed key=%s consecutive_failures=%d ip=%s", key, failures, address)
            return None, 0, None
        assert user.id is not None
        user.password_hash = kept  # upgraded when the hashing parameters were raised
        login_throttle.record_success(db_session, key)
        # read only for an account that may be awaiting it: most sign-ins ask nothing more
        if awaiting_verification(user) and policy.unverified_sign_in_refusal(
            verification=registration_options(db_session).email_verification,
            awaiting_verification=True,
        ):
            log.info("auth.email_unverified user_id=%d", user.id)
            return None, 0, user.id
        record_sign_in(db_session, user)
        token = auth_sessions.create_pending(
            db_session, user_id=user.id, browser=browser, user_agent=user_agent, address=address
        )
    log.info("auth.password_ok user_id=%d", user.id)
    return token, 0, None


def _may_sign_in(user: User | None) -> bool:
    """The policy's answer for a user whose password is right (any refusal: the form
    says no more than it does for a wrong password)."""
    return user is not None and policy.password_sign_in_refusal(blocked=not user.is_active) is None


def complete_sign_in(cookie: MutableMapping[str, Any], ticket: str) -> bool:
    """Activate the pending session named by ``ticket`` for this browser, set the cookie."""
    with session_scope() as db_session:
        activated = auth_sessions.activate(
            db_session, ticket=ticket, browser=str(cookie.get(asking.BROWSER_KEY, ""))
        )
    if activated is None:
        log.warning("auth.ticket_refused")
        return False
    user_id, token = activated
    asking.start_new_browser_session(cookie, auth=token)
    log.info("auth.signed_in user_id=%d", user_id)
    return True


def _active_user(db_session: Session, token: str) -> User | None:
    """The active user of a session token. Read from the database on every call, so that
    signing out elsewhere or blocking a user takes effect at once."""
    user_id = auth_sessions.user_of(db_session, token)
    user = db_session.get(User, user_id) if user_id is not None else None
    return user if user is not None and user.is_active else None


def current_user_id_for(cookie: MutableMapping[str, Any]) -> int | None:
    """The active user signed in with this cookie (for HTTP routes), or None."""
    with session_scope() as db_session:
        user = _active_user(db_session, str(cookie.get(asking.AUTH_KEY, "")))
        return user.id if user is not None else None


def current_administrator_id_for(cookie: MutableMapping[str, Any]) -> int | None:
    """The active administrator signed in with this cookie (for HTTP routes), or None."""
    with session_scope() as db_session:
        user = _active_user(db_session, str(cookie.get(asking.AUTH_KEY, "")))
        if user is None or user.id is None or not is_administrator(db_session, user.id):
            return None
        return user.id


def current_viewer() -> Viewer | None:
    """The signed-in, still active user of this browser (pages and events), or None."""
    with session_scope() as db_session:
        user = _active_user(db_session, asking.auth_token())
        return _viewer(db_session, user) if user is not None else None


def sign_out(cookie: MutableMapping[str, Any]) -> None:
    token = cookie.get(asking.AUTH_KEY)
    if token:
        with session_scope() as db_session:
            auth_sessions.end(db_session, str(token))
    asking.start_new_browser_session(cookie, auth=None)
