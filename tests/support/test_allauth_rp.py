"""django-allauth signs a visitor in through a real OpenID Connect provider.

This proves the harness (tests/support/allauth_rp.py) before it is pointed at our own
provider: if it fails here, against npm ``oidc-provider``, the fault is in the harness or the
peer, not in the provider under test.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.support.allauth_rp import AllauthRP, allauth_rp
from tests.support.oidc_provider import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

__all__ = ["allauth_rp"]  # the fixture, for this module's tests


def test_a_visitor_signs_in_at_the_provider_and_comes_back_signed_in_at_allauth(
    oidc_provider_factory, allauth_rp: AllauthRP, page: Page
) -> None:
    provider = oidc_provider_factory(
        [allauth_rp.callback_url], token_endpoint_auth_method="client_secret_post"
    )
    allauth_rp.start(provider.issuer, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)

    page.goto(allauth_rp.start_url)
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + "/"))  # its sign-in form
    page.fill("input[name=login]", "alice")
    page.fill("input[name=password]", "any password works")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(allauth_rp.whoami_url)
    expect(page.locator("body")).to_contain_text("email: alice@example.org")
    expect(page.locator("body")).to_contain_text("uid: bench:alice")  # the provider's sub
