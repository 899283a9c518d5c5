"""A newcomer's first minutes, in a real browser against the real app."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.support.app_server import AppServer
from tests.support.browser_sign_in import sign_in

ADMIN_PASSWORD = "a long admin password"


def test_setup_link_creates_admin_who_signs_out_and_in(page: Page, app_server: AppServer) -> None:
    page.goto(app_server.setup_link())
    page.get_by_label("Login", exact=True).fill("root")
    page.get_by_label("E-mail").fill("root@example.org")
    page.get_by_label("First name").fill("Rita")
    page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_label("Repeat the password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Create administrator").click()
    expect(page).to_have_url(f"{app_server.base_url}/admin")
    expect(page.get_by_text("Active users")).to_be_visible()

    cookie = next(c for c in page.context.cookies() if c["name"] == "socialservices_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(f"{app_server.base_url}/admin")
    expect(page).to_have_url(f"{app_server.base_url}/login?next=/admin")

    sign_in(page, app_server.base_url, "root", "not the password", next_path="/admin")
    expect(page.get_by_role("alert")).to_have_text("Wrong login or password.")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{app_server.base_url}/admin")
    expect(
        page.get_by_role("navigation").get_by_role("link", name="Administration")
    ).to_be_visible()

    page.goto(app_server.setup_link())  # used once: now refused
    expect(page.get_by_text("This set-up link is not valid")).to_be_visible()


def test_user_outside_administrators_gets_403(browser: Browser, app_server: AppServer) -> None:
    created = app_server.cli(
        "user",
        "create",
        "--login",
        "bob",
        "--email",
        "bob@example.org",
        "--password-stdin",
        stdin="bobs password\n",
    )
    assert created.returncode == 0, created.stderr
    page = browser.new_page()
    sign_in(page, app_server.base_url, "bob", "bobs password")
    expect(page).to_have_url(f"{app_server.base_url}/profile")
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)
    response = page.goto(f"{app_server.base_url}/admin")
    assert response is not None and response.status == 403
    expect(page.get_by_text("This page is for administrators only.")).to_be_visible()
    page.close()


def test_russian_browser_gets_russian_pages(browser: Browser, app_server: AppServer) -> None:
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    page.goto(f"{app_server.base_url}/login")
    expect(page.get_by_label("Логин или e-mail")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.get_by_role("link", name="EN", exact=True).click()
    expect(page.get_by_label("Login or e-mail")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    context.close()
