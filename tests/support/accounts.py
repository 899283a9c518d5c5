"""Accounts for the simulated-browser tests: a user in the running app's database, and
signing in through the sign-in page as a person would."""

from __future__ import annotations

from nicegui.testing import User

from models.db import session_scope
from models.users import ADMINISTRATORS, REGISTERED, create_user

PASSWORD = "correct horse battery"
# Signing in hashes a password in a worker thread and then navigates: give the simulated
# browser up to 3 s (60 x 50 ms) to see the next page.
RETRIES = 60


def add_user(login: str, *, admin: bool = False, active: bool = True) -> int:
    """A user in the database the running app uses (call after the ``user`` fixture)."""
    groups = (ADMINISTRATORS, REGISTERED) if admin else (REGISTERED,)
    with session_scope() as session:
        user = create_user(
            session,
            login=login,
            email=f"{login}@example.org",
            password=PASSWORD,
            groups=groups,
            first_name=login.capitalize(),
        )
        user.is_active = active
        assert user.id is not None
        return user.id


async def sign_in(user: User, login: str, password: str = PASSWORD, path: str = "/login") -> None:
    await user.open(path)
    user.find(marker="login-identifier").type(login)
    user.find(marker="login-password").type(password)
    user.find(marker="login-submit").click()


async def signed_in(user: User, login: str = "alice") -> int:
    """A new user, signed in through the sign-in page; their id."""
    user_id = add_user(login)
    await sign_in(user, login)
    await user.should_see(marker="profile-login", retries=RETRIES)
    return user_id
