"""Russian and English: the switch, then Accept-Language, then English."""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User

from admin_app.core.i18n import parse_accept_language, translate
from tests.support.accounts import RETRIES, add_user, sign_in


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


async def test_the_built_in_site_name_on_the_admin_pages_is_read_in_russian(user: User) -> None:
    """The overview's tables and the sites list name the built-in site as the header does."""
    add_user("root", admin=True)
    user.http_client.headers["Accept-Language"] = "ru-RU,ru;q=0.9"
    await sign_in(user, "root", path="/login?next=/admin")
    await user.should_see(marker="side-menu", retries=RETRIES)
    russian = translate("Default site", "ru")
    await user.open("/admin")
    await user.should_see(translate("Sites", "ru"), retries=RETRIES)
    shown = [
        str(value)
        for table in user.find(ui.table).elements
        for value in [column["label"] for column in table.props["columns"]]
        + [cell for row in table.props["rows"] for cell in row.values()]
    ]
    assert russian in shown
    assert "Default site" not in shown
    await user.open("/admin/sites")
    await user.should_see(russian, retries=RETRIES)
    await user.should_not_see("Default site")
