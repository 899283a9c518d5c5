"""Signing in in a real browser (Playwright): at our sign-in page, at the OpenID Connect
provider's page, and the administrator the end-to-end tests start with."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

from tests.support.app_server import AppServer


def sign_in(page: Page, base_url: str, login: str, password: str, next_path: str = "") -> None:
    page.goto(f"{base_url}/login" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Login or e-mail").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


ADMIN = "root"


ADMIN_PASSWORD = "a long admin password"


def create_admin(app: AppServer) -> None:
    created = app.cli(
        "user",
        "create",
        "--login",
        ADMIN,
        "--email",
        "root@example.org",
        "--admin",
        "--password-stdin",
        stdin=ADMIN_PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr


def activate(control: Locator) -> None:
    """Press Enter on a control: every control is reachable from the keyboard, and a key
    press cannot land on a notification that slides over the control meanwhile (as a
    mouse click can: the click is then lost)."""
    control.press("Enter")
