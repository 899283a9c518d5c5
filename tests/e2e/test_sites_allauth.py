"""django-allauth's OpenID Connect provider signs a visitor in through ours, in Chromium.

allauth is what many Django sites use to offer "Sign in with ...": if its generic
``openid_connect`` provider, pointed at our issuer, comes back with the person's e-mail
and our subject, a Django site of the same organisation can use us as its sign-in. The
same peer signs in at npm oidc-provider (tests/support/test_allauth_rp.py), so a failure
here is ours.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.allauth_rp import AllauthRP, allauth_rp
from tests.support.provider_site import (
    RESERVED_SECRET,
    ROUND_TRIP,
    SECRET,
    ProviderSite,
    application,
    provider_site,
    sign_in_for,
)

__all__ = ["allauth_rp", "provider_site"]  # the fixtures, for this module's tests

NAME = "Staff forum"
CLIENT_ID = "forum-allauth"


@pytest.mark.parametrize(
    ("token_auth", "secret", "pkce"),
    [
        ("client_secret_post", SECRET, True),
        ("client_secret_basic", RESERVED_SECRET, True),  # requests does not form-encode it
        ("client_secret_post", SECRET, False),  # allauth's default for openid_connect
    ],
    ids=["post", "basic-reserved-characters", "without-pkce"],
)
def test_allauth_signs_a_visitor_in_through_us_and_knows_their_email_and_our_sub(
    provider_site: ProviderSite,
    allauth_rp: AllauthRP,
    page: Page,
    token_auth: str,
    secret: str,
    pkce: bool,
) -> None:
    sub = provider_site.add_user("alice", "alice@example.org")
    provider_site.configure(
        [application("forum", NAME, CLIENT_ID, [allauth_rp.callback_url], secret=secret)]
    )
    allauth_rp.start(provider_site.issuer, CLIENT_ID, secret, token_auth=token_auth, pkce=pkce)

    page.goto(allauth_rp.start_url)
    sign_in_for(page, provider_site, NAME, "alice")

    expect(page).to_have_url(allauth_rp.whoami_url, timeout=ROUND_TRIP)
    expect(page.locator("body")).to_contain_text("email: alice@example.org")
    expect(page.locator("body")).to_contain_text(f"uid: bench:{sub}")  # our sub
