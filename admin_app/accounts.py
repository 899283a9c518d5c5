"""Use cases of a person's own account: local sign-in and who is asking."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from nicegui import run
from sqlmodel import Session

from admin_app import session
from models import login_throttle
from models.db import session_scope
from models.tables import User
from models.users import check_credentials, is_administrator, record_sign_in

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
    viewer: Viewer | None = None
    error: str | None = None  # "invalid_credentials", "throttled" or "unavailable"
    wait_seconds: int = 0


def _viewer(db_session: Session, user: User) -> Viewer:
    assert user.id is not None
    name = f"{user.first_name} {user.last_name}".strip() or user.login
    return Viewer(user.id, user.login, name, is_administrator(db_session, user.id))


async def sign_in_locally(identifier: str, password: str) -> LocalSignInResult:
    """Check a login (or e-mail) and password and sign the browser in.

    The same error is given for an unknown login and a wrong password. The hashing runs
    in a worker thread so that other visitors are not kept waiting.
    """
    result = await run.io_bound(_check_local_sign_in, identifier, password)
    if result is None:  # the server is shutting down
        return LocalSignInResult(error="unavailable")
    if result.viewer is not None:
        session.remember_sign_in(result.viewer.id)
        log.info("auth.signed_in user_id=%d method=password", result.viewer.id)
    return result


def _check_local_sign_in(identifier: str, password: str) -> LocalSignInResult:
    """Slows down repeated failures; records the sign-in time on success."""
    with session_scope() as db_session:
        wait = login_throttle.seconds_to_wait(db_session, identifier)
        if wait:
            log.warning("auth.throttled login=%r wait=%ss", identifier[:100], wait)
            return LocalSignInResult(error="throttled", wait_seconds=wait)
        user = check_credentials(db_session, identifier=identifier, password=password)
        if user is None:
            failures = login_throttle.record_failure(db_session, identifier)
            log.warning("auth.failed login=%r consecutive_failures=%d", identifier[:100], failures)
            return LocalSignInResult(error="invalid_credentials")
        login_throttle.clear_failures(db_session, identifier)
        record_sign_in(db_session, user)
        return LocalSignInResult(viewer=_viewer(db_session, user))


def current_viewer() -> Viewer | None:
    """The signed-in, still active user of this browser, or None.

    Read from the database on every call so that blocking a user takes effect at once.
    """
    user_id = session.signed_in_user_id()
    if user_id is None:
        return None
    with session_scope() as db_session:
        user = db_session.get(User, user_id)
        if user is None or not user.is_active:
            session.forget_sign_in()
            return None
        return _viewer(db_session, user)


def sign_out() -> None:
    session.forget_sign_in()
