"""The one-time link that creates the first administrator."""

from __future__ import annotations

from urllib.parse import urlsplit

from nicegui.testing import User

from admin_app.auth.first_administrator import setup_link
from tests.support.accounts import RETRIES, add_user


def _path(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


async def _fill(
    user: User, *, login: str = "root", password: str = "long enough pw", repeat: str | None = None
) -> None:
    user.find("Login").clear().type(login)
    user.find("E-mail").clear().type(f"{login}@example.org")
    user.find("Password").clear().type(password)
    user.find("Repeat the password").clear().type(password if repeat is None else repeat)
    user.find(marker="setup-submit").click()


async def test_link_creates_signed_in_administrator_and_then_stops_working(user: User) -> None:
    link = setup_link()
    assert link is not None and link.startswith("http://127.0.0.1:8080/setup?token=")
    await user.open(_path(link))
    await _fill(user)
    await user.should_see("Active users", retries=RETRIES)  # on /admin, signed in
    assert setup_link() is None  # no administrator-less state any more
    await user.open(_path(link))
    await user.should_see(
        "This set-up link is not valid: it was used already or never issued.", retries=RETRIES
    )


async def test_wrong_token_shows_no_form(user: User) -> None:
    await user.open("/setup?token=guessed")
    await user.should_see(
        "This set-up link is not valid: it was used already or never issued.", retries=RETRIES
    )
    await user.should_not_see(marker="setup-submit")


async def test_mistakes_are_explained_and_nothing_is_created(user: User) -> None:
    link = setup_link()
    assert link
    await user.open(_path(link))
    await _fill(user, repeat="something else")
    await user.should_see("The two passwords differ.", retries=RETRIES)
    await _fill(user, password="short")
    await user.should_see("A password has 8 to 1024 characters.", retries=RETRIES)
    assert setup_link() is not None  # still no administrator


async def test_no_link_once_an_administrator_exists(user: User) -> None:
    add_user("root", admin=True)
    assert setup_link() is None
