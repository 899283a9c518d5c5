"""What the sign-in and profile tests share: the app and an `oidc-provider` whose only
client's redirect URI is the app's callback, the app configured through its config file,
and the visitor's steps at the provider and on our pages."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Page, expect

from tests.support.app_server import AppServer, make_app_server
from tests.support.oidc_provider import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, OidcProvider

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
    #: services configured beside the OpenID Connect one (config-file entries by id)
    more_services: dict[str, Any] = field(default_factory=dict)

    def configure(
        self,
        *,
        self_registration: bool = True,
        social_registration: bool = True,
        denied_auth: list[str] | None = None,
        denied_link: list[str] | None = None,
        send_activity: bool = False,
    ) -> None:
        document = {
            "services": {
                **self.more_services,
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
                },
            },
            "registration": {
                "allow_self_registration": self_registration,
                "allow_social_registration": social_registration,
                "denied_auth_groups": denied_auth or [],
                "denied_link_groups": denied_link or [],
            },
            "activity": {"send_activity": send_activity, "hashtags": []},
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
