"""Signing in, registering and linking through a real OpenID Connect provider, in Chromium.

Each test starts the app and an `oidc-provider` whose only client's redirect URI is the
app's callback, configures the app with the config file, and plays the visitor.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from tests.e2e.app_server import AppServer, make_app_server
from tests.e2e.oidc_provider import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, OidcProvider

SERVICE = "staff"
ACCOUNTS = {
    "alice": {
        "email": "alice@example.org",
        "email_verified": True,
        "given_name": "Alice",
        "family_name": "Liddell",
        "name": "Alice Liddell",
    },
    "bob": {
        "email": "bob@example.org",
        "email_verified": True,
        "given_name": "Bob",
        "family_name": "Builder",
        "name": "Bob Builder",
    },
    "eve": {
        "email": "eve@example.org",
        "email_verified": True,
        "given_name": "<img src=x onerror=document.title='pwned'>",
        "family_name": "Attacker",
    },
}
PASSWORD = "a local password"


@dataclass
class Setup:
    app: AppServer
    idp: OidcProvider
    tmp_path: Path

    def configure(
        self,
        *,
        self_registration: bool = True,
        social_registration: bool = True,
        denied_auth: list[str] | None = None,
        denied_link: list[str] | None = None,
    ) -> None:
        document = {
            "services": {
                SERVICE: {
                    "provider": "oidc",
                    "name": "Staff sign-in",
                    "enabled": True,
                    "position": 1,
                    "settings": {
                        "client_id": DEFAULT_CLIENT_ID,
                        "client_secret": DEFAULT_CLIENT_SECRET,
                    },
                    "endpoints": {"issuer": self.idp.issuer},
                }
            },
            "registration": {
                "allow_self_registration": self_registration,
                "allow_social_registration": social_registration,
                "denied_auth_groups": denied_auth or [],
                "denied_link_groups": denied_link or [],
            },
        }
        path = self.tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(document))
        result = self.app.cli("config", "import", str(path))
        assert result.returncode == 0, result.stderr

    def local_user(self, login: str, email: str) -> None:
        result = self.app.cli(
            "user",
            "create",
            "--login",
            login,
            "--email",
            email,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        assert result.returncode == 0, result.stderr

    def users(self) -> list[dict[str, object]]:
        return json.loads(self.app.cli("user", "list", "--json").stdout)


@pytest.fixture
def setup(tmp_path: Path, oidc_provider_factory: Callable[..., OidcProvider]) -> Iterator[Setup]:
    app = make_app_server(tmp_path)
    idp = oidc_provider_factory([f"{app.base_url}/oauth/{SERVICE}/callback"], accounts=ACCOUNTS)
    app.start()
    yield Setup(app, idp, tmp_path)
    app.stop()


def sign_in_at_provider(page: Page, login: str) -> None:
    """On the provider's pages: the dev login form, then consent."""
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("anything")
    page.locator("button[type=submit]").click()
    page.get_by_role("button", name="Continue").click()


def click_service(page: Page, base_url: str, next_path: str = "") -> None:
    page.goto(f"{base_url}/login" + (f"?next={next_path}" if next_path else ""))
    page.get_by_role("link", name="Staff sign-in").click()


def sign_in_locally(page: Page, base_url: str, login: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Login or e-mail").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{base_url}/profile")


def test_new_visitor_registers_then_returns(browser: Browser, setup: Setup) -> None:
    setup.configure()
    page = browser.new_page()
    click_service(page, setup.app.base_url, next_path="//evil.example/")  # ignored: off-site
    sign_in_at_provider(page, "alice")
    expect(page).to_have_url(f"{setup.app.base_url}/profile")
    expect(page.get_by_text("Alice Liddell").first).to_be_visible()
    page.close()
    users = setup.users()
    assert [(u["login"], u["email"], u["has_password"]) for u in users] == [
        (f"{SERVICE}_alice", "alice@example.org", False)
    ]
    returning = browser.new_page()  # a new browser: signs in at the provider again
    click_service(returning, setup.app.base_url, next_path="/profile")
    sign_in_at_provider(returning, "alice")
    expect(returning).to_have_url(f"{setup.app.base_url}/profile")
    expect(returning.get_by_text(f"Login: {SERVICE}_alice")).to_be_visible()
    assert len(setup.users()) == 1
    returning.close()


def test_registration_closed_refuses_new_people(page: Page, setup: Setup) -> None:
    setup.configure(self_registration=False)
    click_service(page, setup.app.base_url)
    sign_in_at_provider(page, "alice")
    expect(page.get_by_role("alert")).to_contain_text(
        "Only accounts linked beforehand can sign in with Staff sign-in."
    )
    assert setup.users() == []


def test_existing_email_is_never_merged(page: Page, setup: Setup) -> None:
    setup.configure()
    setup.local_user("alice.local", "alice@example.org")
    click_service(page, setup.app.base_url)
    sign_in_at_provider(page, "alice")
    expect(page.get_by_role("alert")).to_contain_text(
        "An account with the e-mail address that Staff sign-in gave already exists."
    )
    assert [u["login"] for u in setup.users()] == ["alice.local"]
    page.goto(f"{setup.app.base_url}/profile")
    expect(page).to_have_url(f"{setup.app.base_url}/login?next=/profile")  # not signed in


def test_link_from_profile_then_sign_in_with_it(browser: Browser, setup: Setup) -> None:
    setup.configure(self_registration=False)  # only linked accounts may sign in
    setup.local_user("robert", "robert@example.org")
    page = browser.new_page()
    sign_in_locally(page, setup.app.base_url, "robert")
    page.get_by_role("button", name="Link Staff sign-in").click()
    sign_in_at_provider(page, "bob")
    expect(page.get_by_role("status")).to_have_text("Staff sign-in is now linked to your account.")
    expect(page.get_by_text("Bob Builder")).to_be_visible()
    page.close()
    fresh = browser.new_page()
    click_service(fresh, setup.app.base_url)
    sign_in_at_provider(fresh, "bob")
    expect(fresh.get_by_text("Login: robert")).to_be_visible()
    fresh.close()


def test_account_linked_elsewhere_is_refused(browser: Browser, setup: Setup) -> None:
    setup.configure()
    first = browser.new_page()
    click_service(first, setup.app.base_url)
    sign_in_at_provider(first, "alice")  # registers staff_alice, linked to alice
    expect(first).to_have_url(f"{setup.app.base_url}/profile")
    first.close()
    setup.local_user("mallory", "mallory@example.org")
    context = browser.new_context()
    page = context.new_page()
    sign_in_locally(page, setup.app.base_url, "mallory")
    page.get_by_role("button", name="Link Staff sign-in").click()
    sign_in_at_provider(page, "alice")
    expect(page.get_by_role("alert")).to_have_text(
        "This Staff sign-in account is already linked to another user."
    )
    context.close()


def test_denied_groups(browser: Browser, setup: Setup) -> None:
    setup.configure()
    page = browser.new_page()
    click_service(page, setup.app.base_url)
    sign_in_at_provider(page, "alice")
    expect(page).to_have_url(f"{setup.app.base_url}/profile")
    page.close()
    setup.configure(denied_auth=["registered"], denied_link=["registered"])
    again = browser.new_page()
    click_service(again, setup.app.base_url)
    sign_in_at_provider(again, "alice")
    expect(again.get_by_role("alert")).to_contain_text(
        "Your account may not sign in with external services."
    )
    again.close()
    setup.local_user("carol", "carol@example.org")
    linker = browser.new_page()
    sign_in_locally(linker, setup.app.base_url, "carol")
    expect(linker.get_by_text("Your account may not link external services.")).to_be_visible()
    expect(linker.get_by_role("button", name="Link Staff sign-in")).to_have_count(0)
    linker.close()


def test_profile_strings_are_shown_as_text(page: Page, setup: Setup) -> None:
    setup.configure()
    click_service(page, setup.app.base_url)
    sign_in_at_provider(page, "eve")
    expect(page).to_have_url(f"{setup.app.base_url}/profile")
    expect(
        page.get_by_text("<img src=x onerror=document.title='pwned'>", exact=False).first
    ).to_be_visible()
    assert page.title() != "pwned"


def test_attacks_start_nothing(page: Page, setup: Setup) -> None:
    setup.configure()
    base = setup.app.base_url
    setup.local_user("victim", "victim@example.org")
    sign_in_locally(page, base, "victim")
    # A cross-site form or link cannot start linking: GET is not a route, POST needs our token.
    response = page.request.get(f"{base}/oauth/{SERVICE}/link", max_redirects=0)
    assert response.status in {404, 405}
    response = page.request.post(
        f"{base}/oauth/{SERVICE}/link", form={"csrf": "forged"}, max_redirects=0
    )
    assert (response.status, response.headers["location"]) == (303, "/profile")
    # A callback with a made-up or replayed state is refused and changes nothing.
    page.goto(f"{base}/oauth/{SERVICE}/callback?code=stolen&state=made-up")
    expect(page.get_by_role("alert")).to_contain_text("This sign-in has expired, was already used")
    # next never leaves the site
    for evil in (
        "//evil.example",
        "/\\evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "%2F%2Fevil.example",
    ):
        response = httpx.get(
            f"{base}/oauth/{SERVICE}/login", params={"next": evil}, follow_redirects=False
        )
        assert response.status_code == 303 and response.headers["location"].startswith(
            setup.idp.issuer
        )
    assert [u["login"] for u in setup.users()] == ["victim"]
