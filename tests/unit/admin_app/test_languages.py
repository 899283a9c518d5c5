"""Russian and English: the switch, then Accept-Language, then English."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from admin_app.core.i18n import parse_accept_language, translate
from tests.support.accounts import RETRIES


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        ("de-DE,en;q=0.5,ru;q=0.7", "ru"),
        ("en-GB,ru;q=0.9", "en"),
        ("fr, de", None),
        ("ru;q=0", None),
        ("ru;q=abc, en", "en"),
    ],
)
def test_accept_language(header: str | None, expected: str | None) -> None:
    assert parse_accept_language(header) == expected


async def test_english_by_default(user: User) -> None:
    await user.open("/login")
    await user.should_see("Login or e-mail", retries=RETRIES)


async def test_browser_language_is_followed(user: User) -> None:
    user.http_client.headers["Accept-Language"] = "ru-RU,ru;q=0.9"
    await user.open("/login")
    await user.should_see("Логин или e-mail", retries=RETRIES)


async def test_switch_wins_over_the_browser(user: User) -> None:
    user.http_client.headers["Accept-Language"] = "en-US"
    await user.open("/login")
    switch = user.find(marker="language-ru").elements.pop()
    await user.open(switch.props["href"])
    await user.should_see("Логин или e-mail", retries=RETRIES)


async def test_the_built_in_site_name_in_the_header_is_read_in_russian(user: User) -> None:
    user.http_client.headers["Accept-Language"] = "ru-RU,ru;q=0.9"
    await user.open("/login")
    await user.should_see(translate("Default site", "ru"), retries=RETRIES)
    await user.should_not_see("Default site")
