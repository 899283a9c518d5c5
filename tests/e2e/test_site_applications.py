"""A site's applications section (/admin/sites/{id}) in Chromium: its "New application" and
"Change" sections are native <details>, opened from the keyboard, their forms drawn then."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.support.app_server import AppServer
from tests.support.browser_sign_in import ADMIN, ADMIN_PASSWORD, activate, create_admin, sign_in


@pytest.fixture
def app(app_server: AppServer) -> AppServer:
    """The freshly installed app (``app_server``), with its administrator."""
    create_admin(app_server)
    return app_server


def test_an_application_is_created_and_changed_from_the_keyboard(
    browser: Browser, app: AppServer
) -> None:
    page = browser.new_page()
    sign_in(page, app.base_url, ADMIN, ADMIN_PASSWORD, next_path="/admin/sites/s1")
    expect(page).to_have_url(f"{app.base_url}/admin/sites/s1")
    expect(page.get_by_label("Application ID")).to_have_count(0)  # drawn when first opened
    # a native <details>: its <summary> has no ARIA role Playwright finds by
    activate(page.locator("summary", has_text="New application"))
    page.get_by_label("Application ID").fill("shop")
    page.get_by_label("Name shown on the sign-in page").fill("Shop")
    page.get_by_label("Redirect URIs").fill("https://shop.example.org/callback")
    activate(page.get_by_role("button", name="Create application"))
    expect(page.get_by_role("dialog").get_by_label("Client secret")).not_to_have_value("")
    activate(page.get_by_role("button", name="Done"))
    expect(page.get_by_text("(shop)")).to_be_visible()
    change = page.locator("summary", has_text="Change")
    section = page.locator("details", has=change)
    expect(section.get_by_role("button", name="Save", exact=True)).to_have_count(0)
    activate(change)
    expect(section).to_have_attribute("open", "")
    name = section.get_by_label("Name shown on the sign-in page")
    expect(name).to_have_value("Shop")
    name.fill("Web shop")
    activate(section.get_by_role("button", name="Save", exact=True))
    expect(page.get_by_text("Application saved.")).to_be_visible()
    expect(page.get_by_text("Web shop", exact=True)).to_be_visible()
    page.close()
