"""The Apache relying party (mod_auth_openidc) signs a visitor in and out of a known-good
provider, npm ``oidc-provider``.

This proves the harness itself: when the same test later fails against our own provider,
the fault is in our provider, not in how Apache was set up. A visitor sees the protected
page only after signing in at the provider, the page shows the e-mail from the ID token,
and the logout link ends the session at Apache and at the provider alike.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.apache_rp import ApacheRp
from tests.support.oidc_provider import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, OidcProvider


def start_pair(
    oidc_provider_factory, apache_rp_factory, auth_method: str
) -> tuple[ApacheRp, OidcProvider]:
    rp = apache_rp_factory()
    provider = oidc_provider_factory(
        [rp.redirect_uri],
        post_logout_redirect_uris=[rp.logged_out_url],
        token_endpoint_auth_method=auth_method,
    )
    secret = None if auth_method == "none" else DEFAULT_CLIENT_SECRET  # "none": a public client
    rp.start(provider.issuer, DEFAULT_CLIENT_ID, secret, token_endpoint_auth=auth_method)
    return rp, provider


def sign_in_at_provider(page: Page, provider: OidcProvider, login: str = "alice") -> None:
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + "/"))
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password works")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post", "none"])
def test_a_visitor_signs_in_and_apache_shows_the_email_from_the_provider(
    oidc_provider_factory, apache_rp_factory, page: Page, auth_method: str
) -> None:
    rp, provider = start_pair(oidc_provider_factory, apache_rp_factory, auth_method)

    page.goto(rp.protected_url)
    sign_in_at_provider(page, provider)

    expect(page).to_have_url(rp.protected_url)
    expect(page.locator("#email")).to_have_text("alice@example.org")
    expect(page.locator("#sub")).to_have_text("alice")
    expect(page.locator("#name")).to_have_text("Alice Liddell")


def test_the_logout_url_ends_the_session_at_apache_and_at_the_provider(
    oidc_provider_factory, apache_rp_factory, page: Page
) -> None:
    rp, provider = start_pair(oidc_provider_factory, apache_rp_factory, "client_secret_basic")
    page.goto(rp.protected_url)
    sign_in_at_provider(page, provider)
    expect(page.locator("#email")).to_have_text("alice@example.org")

    page.locator("#logout").click()
    # oidc-provider asks before it ends its own session (RP-initiated logout).
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + "/session/end"))
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(rp.logged_out_url)
    expect(page.get_by_role("heading")).to_have_text("Signed out of the Apache relying party")

    page.goto(rp.protected_url)  # no session at Apache, none at the provider: the form again
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + "/"))
    expect(page.locator("input[name=login]")).to_be_visible()
