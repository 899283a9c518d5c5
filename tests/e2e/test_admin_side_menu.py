"""The administration's side menu: open beside the page on a wide screen, behind the menu
button on a narrow one; and the server never waits on the browser to learn which, so a
browser that is slow to answer (or a page closed at once) leaves no error in the log."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, BrowserContext, WebSocketRoute, expect

from tests.support.app_server import AppServer
from tests.support.browser_sign_in import ADMIN, ADMIN_PASSWORD, create_admin, sign_in


def signed_in(browser: Browser, app: AppServer, width: int) -> BrowserContext:
    context = browser.new_context(locale="en-US", viewport={"width": width, "height": 800})
    page = context.new_page()
    sign_in(page, app.base_url, ADMIN, ADMIN_PASSWORD, next_path="/admin")
    page.wait_for_url(f"{app.base_url}/admin")
    page.close()
    return context


@pytest.fixture
def admin_app(app_server: AppServer) -> AppServer:
    create_admin(app_server)
    return app_server


def test_the_side_menu_is_open_on_a_wide_screen_and_behind_its_button_on_a_narrow_one(
    browser: Browser, admin_app: AppServer
) -> None:
    wide = signed_in(browser, admin_app, 1280).new_page()
    wide.goto(f"{admin_app.base_url}/admin/sites")
    menu = wide.locator("aside")
    expect(menu.get_by_role("link", name="Services")).to_be_visible()
    expect(wide.get_by_role("button", name="Show or hide the menu")).to_be_hidden()

    narrow = signed_in(browser, admin_app, 390).new_page()
    narrow.goto(f"{admin_app.base_url}/admin/sites")
    button = narrow.get_by_role("button", name="Show or hide the menu")
    expect(button).to_be_visible()
    menu = narrow.locator("aside")
    expect(menu.get_by_role("link", name="Services")).not_to_be_in_viewport()
    button.click()
    expect(menu.get_by_role("link", name="Services")).to_be_in_viewport()
    narrow.mouse.click(380, 400)  # beside the open menu: it closes
    expect(menu.get_by_role("link", name="Services")).not_to_be_in_viewport()


def test_a_browser_that_never_answers_the_server_leaves_no_error(
    browser: Browser, admin_app: AppServer
) -> None:
    """The page's answers to the server's questions over its live connection are dropped,
    as when a busy browser answers late or the page is closed at once: NiceGUI's own side
    menu asked which way it was on every connection and logged a traceback after 1 s."""
    context = signed_in(browser, admin_app, 1280)
    page = context.new_page()

    def without_answers(socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()
        socket.on_message(
            lambda message: None if "javascript_response" in str(message) else server.send(message)
        )

    page.route_web_socket(re.compile(r".*/_nicegui_ws/.*"), without_answers)
    for path in ("/admin", "/admin/sites", "/admin/services"):
        page.goto(f"{admin_app.base_url}{path}")
        page.wait_for_function("window.did_handshake === true")
        expect(page.locator("aside").get_by_role("link", name="Services")).to_be_visible()
    time.sleep(1.5)  # longer than NiceGUI's wait for an answer
    assert "request.failed" not in admin_app.output, admin_app.output[-3000:]
    assert "Traceback" not in admin_app.output
