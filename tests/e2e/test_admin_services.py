"""The services and sites editors in Chromium against the real app: what an administrator
sets is what visitors get at once, secrets never come back, and "Try it" creates nobody."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, Response, WebSocket, expect

from tests.support.app_server import AppServer, make_app_server
from tests.support.browser_sign_in import (
    ADMIN,
    ADMIN_PASSWORD,
    activate,
    create_admin,
    sign_in,
)
from tests.support.oidc_provider import (
    DEFAULT_ACCOUNTS,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    OidcProvider,
    start_oidc_provider,
)
from tests.support.social_setup import sign_in_at_provider

OK_SECRET = "ok-Secret-Key-0123456789abcdef"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[AppServer]:
    server = make_app_server(tmp_path)
    server.start()
    create_admin(server)
    yield server
    server.stop()


def admin_page(browser: Browser, app: AppServer, path: str = "/admin/services") -> Page:
    page = browser.new_page()
    sign_in(page, app.base_url, ADMIN, ADMIN_PASSWORD, next_path=path)
    expect(page).to_have_url(f"{app.base_url}{path}")
    return page


def service_card(page: Page, service_id: str) -> Locator:
    """The service's row of the services table."""
    card = page.get_by_test_id(f"service-{service_id}")
    expect(card).to_be_visible()
    return card


def open_form(page: Page, service_id: str, title: str) -> Locator:
    """Open the service's settings panel from its row; returns the panel."""
    activate(service_card(page, service_id).get_by_role("button", name=f"Settings of {title}"))
    panel = page.get_by_test_id(f"panel-{service_id}")
    expect(panel).to_be_visible()
    return panel


def close_form(panel: Locator) -> None:
    activate(panel.get_by_role("button", name="Close the settings"))
    expect(panel).to_be_hidden()


def save(page: Page, panel: Locator, title: str) -> None:
    activate(panel.get_by_role("button", name="Save", exact=True))
    expect(page.get_by_text(f"{title}: saved.")).to_be_visible()


def switch_on(page: Page, service_id: str, title: str) -> None:
    switch = service_card(page, service_id).get_by_role("switch", name=f"{title}: Off")
    activate(switch)
    expect(page.get_by_text(f"{title} is switched on.")).to_be_visible()
    expect(
        service_card(page, service_id).get_by_role("switch", name=f"{title}: On")
    ).to_be_checked()


def configure_odnoklassniki(page: Page) -> None:
    panel = open_form(page, "odnoklassniki", "Odnoklassniki")
    panel.get_by_label("Application ID").fill("512000000000")
    panel.get_by_label("Application public key").fill("CBAPUBLICKEY")
    panel.get_by_label("Application secret key").fill(OK_SECRET)
    save(page, panel, "Odnoklassniki")
    close_form(panel)
    switch_on(page, "odnoklassniki", "Odnoklassniki")


def configure_client_credentials(page: Page, service_id: str, title: str) -> None:
    panel = open_form(page, service_id, title)
    panel.get_by_label("Client ID").fill(f"{service_id}-client")
    panel.get_by_role("textbox", name="Client secret").fill(f"{service_id}-secret")
    save(page, panel, title)
    close_form(panel)
    switch_on(page, service_id, title)


def sign_in_buttons(browser: Browser, login_url: str) -> list[str]:
    """The services whose buttons an anonymous visitor sees, in order."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(login_url)
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    hrefs = page.locator("a[href^='/oauth/']").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    context.close()
    return [href.split("/")[2] for href in hrefs]


def test_enable_and_reorder_and_the_sign_in_page_follows(browser: Browser, app: AppServer) -> None:
    page = admin_page(browser, app)
    configure_odnoklassniki(page)
    configure_client_credentials(page, "yandex", "Yandex")
    assert sign_in_buttons(browser, f"{app.base_url}/login") == ["odnoklassniki", "yandex"]
    activate(page.get_by_role("button", name="Move Yandex up"))
    expect(page.get_by_text("Yandex moved to place 1.")).to_be_visible()
    assert sign_in_buttons(browser, f"{app.base_url}/login") == ["yandex", "odnoklassniki"]
    page.reload()  # the editor shows the stored order
    cards = page.locator("[data-testid^='service-']")
    expect(cards.nth(0)).to_have_attribute("data-testid", "service-yandex")
    expect(cards.nth(1)).to_have_attribute("data-testid", "service-odnoklassniki")
    # switched off: gone from the sign-in page at the next request
    activate(service_card(page, "odnoklassniki").get_by_role("switch", name="Odnoklassniki: On"))
    expect(page.get_by_text("Odnoklassniki is switched off.")).to_be_visible()
    assert sign_in_buttons(browser, f"{app.base_url}/login") == ["yandex"]
    page.close()


def test_a_site_with_individual_settings_offers_its_own_list(
    browser: Browser, app: AppServer
) -> None:
    page = admin_page(browser, app)
    configure_client_credentials(page, "yandex", "Yandex")  # the common list
    page.goto(f"{app.base_url}/admin/sites")
    activate(page.locator("summary", has_text="New site"))  # a native <details>
    page.get_by_label("Site ID").fill("local")
    page.get_by_label("Name", exact=True).fill("Local site")
    page.get_by_label("Host names").fill("localhost")
    activate(page.get_by_role("button", name="Create site"))
    expect(page).to_have_url(f"{app.base_url}/admin/sites/local")
    activate(page.get_by_role("switch", name="Apply individual settings for this site"))
    activate(page.get_by_role("button", name="Apply individual settings", exact=True))
    expect(page.get_by_text("This site now has services of its own.")).to_be_visible()
    panel = open_form(page, "google", "Google")
    redirect = panel.get_by_label("Redirect URI", exact=True)
    expect(redirect).to_have_value(f"http://localhost:{app.port}/oauth/google/callback")
    close_form(panel)
    configure_client_credentials(page, "google", "Google")
    page.close()
    assert sign_in_buttons(browser, f"http://127.0.0.1:{app.port}/login") == ["yandex"]
    assert sign_in_buttons(browser, f"http://localhost:{app.port}/login") == ["google"]


def test_a_secret_never_comes_back_to_the_browser(browser: Browser, app: AppServer) -> None:
    received: list[str] = []

    def on_websocket(socket: WebSocket) -> None:
        socket.on("framereceived", lambda payload: received.append(str(payload)))

    def on_response(response: Response) -> None:  # socket.io's polling, should it be used
        if "socket.io" in response.url:
            with contextlib.suppress(Exception):  # a body that is gone held nothing of ours
                received.append(response.text())

    context = browser.new_context()
    page = context.new_page()
    page.on("websocket", on_websocket)
    page.on("response", on_response)
    sign_in(page, app.base_url, ADMIN, ADMIN_PASSWORD, next_path="/admin/services")
    expect(page).to_have_url(f"{app.base_url}/admin/services")
    configure_odnoklassniki(page)  # typed, saved, switched on
    card = open_form(page, "odnoklassniki", "Odnoklassniki")
    expect(card.get_by_text("saved", exact=True)).to_be_visible()
    expect(card.get_by_label("Application secret key")).to_have_value("")
    card.get_by_label("Application public key").fill("CBACHANGED")  # saved again: kept
    save(page, card, "Odnoklassniki")
    assert received, "no websocket traffic was seen"
    assert OK_SECRET not in page.content()
    page.reload()
    card = open_form(page, "odnoklassniki", "Odnoklassniki")
    expect(card.get_by_label("Application secret key")).to_have_value("")
    expect(card.get_by_text("saved", exact=True)).to_be_visible()
    assert OK_SECRET not in page.content()
    assert not [frame for frame in received if OK_SECRET in frame]
    context.close()
    exported = app.cli("config", "export", "--with-secrets")
    assert exported.returncode == 0, exported.stderr
    assert OK_SECRET in exported.stdout  # it was stored all along


def test_try_it_shows_the_profile_and_creates_nobody(
    browser: Browser, tmp_path: Path, oidc_provider_factory: Callable[..., OidcProvider]
) -> None:
    app = make_app_server(tmp_path)
    idp = oidc_provider_factory([f"{app.base_url}/oauth/staff/callback"])
    app.start()
    try:
        create_admin(app)
        context = browser.new_context()
        page = context.new_page()
        sign_in(page, app.base_url, ADMIN, ADMIN_PASSWORD, next_path="/admin/services")
        expect(page).to_have_url(f"{app.base_url}/admin/services")
        card = add_staff(page, app, idp.issuer)
        # switched off, yet it can be tried
        expect(
            service_card(page, "staff").get_by_role("switch", name="Staff sign-in: Off")
        ).not_to_be_checked()
        with context.expect_page() as opened:
            activate(card.get_by_role("button", name="Try it: sign in with Staff sign-in"))
        tab = opened.value
        sign_in_at_provider(tab, "alice")
        expect(tab).to_have_url(f"{app.base_url}/admin/services/tried")
        expect(tab.get_by_text("alice@example.org")).to_be_visible()
        expect(tab.get_by_text("nobody was signed in, registered or linked")).to_be_visible()
        tab.reload()  # shown once
        expect(tab.get_by_text("Nothing to show")).to_be_visible()
        context.close()
        users = json.loads(app.cli("user", "list", "--json").stdout)
        assert [user["login"] for user in users] == [ADMIN]
    finally:
        app.stop()


def add_staff(
    page: Page, app: AppServer, issuer: str, secret: str = DEFAULT_CLIENT_SECRET
) -> Locator:
    """Add the OpenID Connect service "Staff sign-in" and save its settings; returns its
    open settings panel."""
    # a native <details>: its <summary> has no ARIA role Playwright finds by (Chromium
    # announces it as a disclosure, expanded or collapsed)
    activate(page.locator("summary", has_text="Add an OpenID Connect service"))
    page.get_by_label("Service ID").fill("staff")
    page.get_by_label("Display name").fill("Staff sign-in")
    activate(page.get_by_role("button", name="Add", exact=True))
    card = page.get_by_test_id("panel-staff")
    expect(card).to_be_visible()
    expect(card.get_by_label("Redirect URI", exact=True)).to_have_value(
        f"{app.base_url}/oauth/staff/callback"
    )
    card.get_by_label("Client ID").fill(DEFAULT_CLIENT_ID)
    card.get_by_role("textbox", name="Client secret (optional)").fill(secret)
    activate(card.get_by_role("button", name="Advanced"))
    card.get_by_label("Issuer URL").fill(issuer)
    save(page, card, "Staff sign-in")
    # saving read the issuer's discovery document again, and says what it found
    expect(card.get_by_text(f"{issuer}/token")).to_be_visible()
    return card


def test_a_failed_try_names_its_cause_for_the_administrator(
    browser: Browser, tmp_path: Path, oidc_provider_factory: Callable[..., OidcProvider]
) -> None:
    app = make_app_server(tmp_path)
    idp = oidc_provider_factory([f"{app.base_url}/oauth/staff/callback"])
    app.start()
    try:
        create_admin(app)
        context = browser.new_context()
        page = context.new_page()
        sign_in(page, app.base_url, ADMIN, ADMIN_PASSWORD, next_path="/admin/services")
        card = add_staff(page, app, idp.issuer, secret="not the secret")
        with context.expect_page() as opened:
            activate(card.get_by_role("button", name="Try it: sign in with Staff sign-in"))
        tab = opened.value
        sign_in_at_provider(tab, "alice")
        expect(tab).to_have_url(f"{app.base_url}/admin/services/tried")
        expect(tab.get_by_text("The sign-in with Staff sign-in failed.")).to_be_visible()
        expect(tab.get_by_text("invalid_client", exact=True)).to_be_visible()
        context.close()
    finally:
        app.stop()


def test_a_row_is_dragged_to_its_place(browser: Browser, app: AppServer) -> None:
    page = admin_page(browser, app)
    rows = page.locator("[data-testid^='service-']")
    first = rows.nth(0).get_attribute("data-testid")
    page.set_viewport_size({"width": 1440, "height": 2400})  # every row on the screen
    service_card(page, "telegram").drag_to(rows.nth(0))
    expect(page.get_by_text("Telegram moved to place 1.")).to_be_visible()
    expect(rows.nth(0)).to_have_attribute("data-testid", "service-telegram")
    expect(rows.nth(1)).to_have_attribute("data-testid", str(first))
    page.reload()  # stored
    expect(rows.nth(0)).to_have_attribute("data-testid", "service-telegram")
    page.close()


def test_an_issuer_whose_only_method_we_lack_is_named_as_the_cause(
    browser: Browser, tmp_path: Path
) -> None:
    """Every field filled in, and the issuer advertises only a client authentication this
    service does not speak (``client_secret_jwt``) in token_endpoint_auth_methods_supported:
    the administrator reads that, not "This service is not set up completely". (One that
    advertises only ``none`` now works: tests/e2e/test_oidc_client_auth.py.)"""
    app = make_app_server(tmp_path)
    client = {
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": "a-shared-secret-of-32-characters-or-more",
        "redirect_uris": [f"{app.base_url}/oauth/staff/callback"],
        "token_endpoint_auth_method": "client_secret_jwt",
    }
    idp = start_oidc_provider([client], DEFAULT_ACCOUNTS, client_auth_methods=["client_secret_jwt"])
    app.start()
    try:
        create_admin(app)
        context = browser.new_context()
        page = context.new_page()
        sign_in(page, app.base_url, ADMIN, ADMIN_PASSWORD, next_path="/admin/services")
        card = add_staff(page, app, idp.issuer, secret=client["client_secret"])
        warning = card.get_by_text("The issuer offers only these client authentication methods")
        expect(warning).to_be_visible()
        expect(warning).to_contain_text("client_secret_jwt")
        with context.expect_page() as opened:
            activate(card.get_by_role("button", name="Try it: sign in with Staff sign-in"))
        tab = opened.value
        sign_in_at_provider(tab, "alice")
        expect(tab).to_have_url(f"{app.base_url}/admin/services/tried")
        expect(tab.get_by_text("The sign-in with Staff sign-in failed.")).to_be_visible()
        cause = tab.get_by_text("token_endpoint_auth_methods_supported")
        expect(cause).to_contain_text("client_secret_jwt")
        expect(cause).to_contain_text("client_secret_basic")
        context.close()
    finally:
        app.stop()
        idp.stop()
