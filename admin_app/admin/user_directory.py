"""Use cases an operator runs on user accounts (the CLI now, the admin pages later)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from admin_app.auth.first_administrator import create_administrator
from models.db import session_scope
from models.users import (
    create_user,
    group_names_by_user,
    users_after,
)

log = logging.getLogger(__name__)


def create_account(*, login: str, email: str, password: str | None, admin: bool) -> int:
    """Create a user (an administrator with ``admin``); raises UserDataError, writing nothing."""
    with session_scope() as db_session:
        if admin:
            assert password is not None
            user = create_administrator(db_session, login=login, email=email, password=password)
        else:
            user = create_user(db_session, login=login, email=email, password=password)
        assert user.id is not None
        user_id = user.id
    log.info("users.created user_id=%d admin=%s via=cli", user_id, admin)
    return user_id


def account_summaries(batch: int = 1000) -> Iterator[dict[str, Any]]:
    """Every user as plain data, oldest first, read in batches; never password hashes."""
    after_id = 0
    while True:
        with session_scope() as db_session:
            users = users_after(db_session, after_id=after_id, limit=batch)
            if not users:
                return
            groups = group_names_by_user(db_session, [user.id for user in users if user.id])
        for user in users:
            assert user.id is not None
            yield {
                "id": user.id,
                "login": user.login,
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "active": user.is_active,
                "has_password": user.password_hash is not None,
                "groups": groups[user.id],
                "created_at": user.created_at.isoformat(),
                "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
            }
        after_id = users[-1].id or after_id
