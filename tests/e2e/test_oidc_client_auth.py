"""Our `oidc` service signs in through a real OpenID Connect provider (npm oidc-provider)
that takes only one client authentication: `none` (a public client, PKCE required) or
`private_key_jwt` (the client registered with the JWKS URL this app serves). The app
chooses the method from the provider's discovery document, as an administrator who
leaves "Client authentication" on automatic gets it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from providers.client_assertion import new_client_key, public_jwks
from tests.support.app_server import AppServer, make_app_server
from tests.support.browser_sign_in import ADMIN, ADMIN_PASSWORD, activate, create_admin
from tests.support.browser_sign_in import sign_in as sign_in_locally
from tests.support.oidc_provider import DEFAULT_CLIENT_ID, OidcProvider, start_oidc_provider
from tests.support.social_setup import ACCOUNTS, SERVICE, click_service, sign_in_at_provider

JWKS_PATH = f"/oidc-client/common/{SERVICE}/jwks.json"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[AppServer]:
    server = make_app_server(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def providers() -> Iterator[list[OidcProvider]]:
    started: list[OidcProvider] = []
    yield started
    for provider in started:
        provider.stop()
        print(f"--- OpenID provider {provider.issuer} output ---\n{provider.output}")


def configure(app: AppServer, tmp_path: Path, idp: OidcProvider, settings: dict[str, str]) -> None:
    """The service as `config import` stores it: only the client id and what the method
    needs, "Client authentication" left on automatic."""
    document: dict[str, Any] = {
        "services": {
            SERVICE: {
                "provider": "oidc",
                "name": "Staff sign-in",
                "enabled": True,
                "settings": {"client_id": DEFAULT_CLIENT_ID, **settings},
                "endpoints": {"issuer": idp.issuer},
            }
        },
        "registration": {
            "allow_self_registration": True,
            "allow_social_registration": True,
            "denied_auth_groups": [],
            "denied_link_groups": [],
        },
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(document))
    result = app.cli("config", "import", str(path))
    assert result.returncode == 0, result.stderr


def sign_in(page: Page, app: AppServer) -> None:
    click_service(page, app.base_url, next_path="/profile")
    sign_in_at_provider(page, "alice")
    expect(page).to_have_url(f"{app.base_url}/profile")
    expect(page.get_by_text(f"Login: {SERVICE}_alice")).to_be_visible()


def test_an_issuer_that_takes_only_public_clients(
    page: Page, app: AppServer, tmp_path: Path, providers: list[OidcProvider]
) -> None:
    client = {
        "client_id": DEFAULT_CLIENT_ID,
        "token_endpoint_auth_method": "none",
        "redirect_uris": [f"{app.base_url}/oauth/{SERVICE}/callback"],
    }
    idp = start_oidc_provider([client], ACCOUNTS, client_auth_methods=["none"])
    providers.append(idp)
    assert idp.discovery()["token_endpoint_auth_methods_supported"] == ["none"]
    configure(app, tmp_path, idp, {})  # no client secret: there is none
    sign_in(page, app)


def test_an_issuer_that_requires_private_key_jwt(
    page: Page, app: AppServer, tmp_path: Path, providers: list[OidcProvider]
) -> None:
    key = new_client_key()
    client = {
        "client_id": DEFAULT_CLIENT_ID,
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks_uri": app.base_url + JWKS_PATH,  # read by the provider at the token request
        "redirect_uris": [f"{app.base_url}/oauth/{SERVICE}/callback"],
    }
    idp = start_oidc_provider([client], ACCOUNTS, client_auth_methods=["private_key_jwt"])
    providers.append(idp)
    configure(app, tmp_path, idp, {"client_key": key})
    served = httpx.get(app.base_url + JWKS_PATH, timeout=5).raise_for_status().json()
    assert served == public_jwks(key)  # the public half only
    assert "d" not in served["keys"][0]
    sign_in(page, app)


def test_the_key_the_administrator_makes_here_is_the_one_the_issuer_checks(
    browser: Browser, page: Page, app: AppServer, tmp_path: Path, providers: list[OidcProvider]
) -> None:
    """The JWKS URL is registered at the issuer before any key exists (it never changes);
    choosing private_key_jwt and saving makes the key the issuer then reads there."""
    client = {
        "client_id": DEFAULT_CLIENT_ID,
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks_uri": app.base_url + JWKS_PATH,
        "redirect_uris": [f"{app.base_url}/oauth/{SERVICE}/callback"],
    }
    idp = start_oidc_provider([client], ACCOUNTS, client_auth_methods=["private_key_jwt"])
    providers.append(idp)
    configure(app, tmp_path, idp, {})
    create_admin(app)
    admin = browser.new_page()
    sign_in_locally(admin, app.base_url, ADMIN, ADMIN_PASSWORD, next_path="/admin/services")
    row = admin.get_by_test_id(f"service-{SERVICE}")
    activate(row.get_by_role("button", name="Settings of Staff sign-in"))
    panel = admin.get_by_test_id(f"panel-{SERVICE}")
    panel.get_by_label("Client authentication (optional)").click()
    admin.get_by_role("option", name="private_key_jwt").click()
    activate(panel.get_by_role("button", name="Save", exact=True))
    expect(admin.get_by_text("Staff sign-in: saved.")).to_be_visible()
    expect(panel.get_by_label("JWKS URL", exact=True)).to_have_value(app.base_url + JWKS_PATH)
    served = httpx.get(app.base_url + JWKS_PATH, timeout=5).raise_for_status().json()
    assert [key["kty"] for key in served["keys"]] == ["RSA"]
    sign_in(page, app)
