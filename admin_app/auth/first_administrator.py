"""Creating administrators: the first one from a one-time browser link, or from a shell.

Once an administrator exists, every set-up link stops working.
"""

from __future__ import annotations

import asyncio
import logging

from sqlmodel import Session

from admin_app.auth.accounts import completion_url
from admin_app.core import asking, runtime
from models import audit, auth_sessions
from models.db import session_scope
from models.setup_tokens import (
    consume_setup_token,
    issue_setup_token,
    revoke_setup_tokens,
    setup_token_is_valid,
)
from models.tables import User
from models.users import (
    ADMINISTRATORS,
    REGISTERED,
    UserDataError,
    administrator_exists,
    create_user,
)

log = logging.getLogger(__name__)

__all__ = ["SetupClosedError", "UserDataError"]  # the errors pages catch


class SetupClosedError(Exception):
    """An administrator exists already, or the link is not (or no longer) valid."""


def create_administrator(
    db_session: Session,
    *,
    login: str,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    setup_link_from: str | None = None,
) -> User:
    """An administrator; the set-up links close. Raises UserDataError for bad values.

    Audited in the same transaction: by the command line, or, when ``setup_link_from``
    gives the address a set-up link was used from, by the new administrator."""
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
    if setup_link_from is None:
        actor, via = audit.COMMAND_LINE, "command_line"
    else:
        actor, via = audit.Actor(user.id, user.login, setup_link_from), "setup_link"
    audit.record_by(db_session, actor, "administrator.create", user.login, {"via": via})
    return user


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
) -> str:
    """Create the administrator; returns the URL that signs this browser in as them.

    Raises SetupClosedError or UserDataError; nothing is written then.
    """
    browser = asking.browser_id()
    address = asking.client_address()
    ticket = await asyncio.to_thread(
        _create_first_administrator,
        token,
        browser,
        address,
        login,
        email,
        password,
        first_name,
        last_name,
        asking.user_agent(),
    )
    if ticket is None:  # the server is shutting down
        raise SetupClosedError
    return completion_url(ticket, "/admin")


def _create_first_administrator(
    token: str,
    browser: str,
    address: str,
    login: str,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    user_agent: str = "",
) -> str:
    with session_scope() as db_session:
        # The token is consumed first, atomically: of two submissions of one link, one
        # gets it; the other finds it gone. A failure below rolls the consumption back.
        if not consume_setup_token(db_session, token) or administrator_exists(db_session):
            raise SetupClosedError
        user = create_administrator(
            db_session,
            login=login,
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            setup_link_from=address,
        )
        assert user.id is not None
        ticket = auth_sessions.create_pending(
            db_session, user_id=user.id, browser=browser, user_agent=user_agent, address=address
        )
        log.info("setup.administrator_created user_id=%d via=link", user.id)
        return ticket
