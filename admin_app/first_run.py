"""Creating the first administrator, from a one-time browser link or from a shell."""

from __future__ import annotations

import logging

from nicegui import run

from admin_app import runtime, session
from models.db import session_scope
from models.setup_tokens import issue_setup_token, revoke_setup_tokens, setup_token_is_valid
from models.users import ADMINISTRATORS, REGISTERED, administrator_exists, create_user

log = logging.getLogger(__name__)


class SetupClosedError(Exception):
    """An administrator exists already, or the link is not (or no longer) valid."""


def setup_link() -> str | None:
    """A fresh one-time setup URL while no administrator exists, else None."""
    with session_scope() as db_session:
        if administrator_exists(db_session):
            return None
        token = issue_setup_token(db_session)
    return runtime.settings().absolute_url(f"/setup?token={token}")


def setup_is_open(token: str) -> bool:
    with session_scope() as db_session:
        return not administrator_exists(db_session) and setup_token_is_valid(db_session, token)


async def create_first_administrator(
    token: str, *, login: str, email: str, password: str, first_name: str = "", last_name: str = ""
) -> int:
    """Create the administrator, sign them in, and close every setup link.

    Raises SetupClosedError or UserDataError; nothing is written then.
    """
    user_id = await run.io_bound(
        _create_first_administrator, token, login, email, password, first_name, last_name
    )
    if user_id is None:  # the server is shutting down
        raise SetupClosedError
    session.remember_sign_in(user_id)
    log.info("setup.administrator_created user_id=%d via=link", user_id)
    return user_id


def _create_first_administrator(
    token: str, login: str, email: str, password: str, first_name: str, last_name: str
) -> int:
    with session_scope() as db_session:
        if administrator_exists(db_session) or not setup_token_is_valid(db_session, token):
            raise SetupClosedError
        user = create_user(
            db_session,
            login=login,
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            groups=(ADMINISTRATORS, REGISTERED),
        )
        revoke_setup_tokens(db_session)
        assert user.id is not None
        return user.id
