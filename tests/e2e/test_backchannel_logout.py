"""One sign-out for all, end to end: a person signed in to Apache (mod_auth_openidc) through
our provider signs out here, and the application hears of it over the back channel.

Once the logout token goes to the small test application (tests/support/backchannel_app.py),
which verifies it with our JWKS found through discovery; once to Apache itself
(``<redirect_uri>?logout=backchannel``), a relying party used in the wild, which verifies
it and ends its own session: its protected page asks for a sign-in again.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.support.apache_rp import apache_rp_factory
from tests.support.backchannel_app import backchannel_app_factory, jwks_over_http
from tests.support.provider_site import ROUND_TRIP, SECRET, application, provider_site, sign_in_for

__all__ = ["apache_rp_factory", "backchannel_app_factory", "provider_site"]

NAME, CLIENT_ID = "Staff wiki", "wiki-apache"
BACKCHANNEL_POST = re.compile(
    r'"POST /protected/redirect_uri\?logout=backchannel HTTP/[\d.]+" 200 '
)


@pytest.mark.parametrize("receiver", ["test application", "apache"])
def test_signing_out_here_reaches_the_application_over_the_back_channel(
    apache_rp_factory, backchannel_app_factory, provider_site, page: Page, receiver: str
) -> None:
    sub = provider_site.add_user("alice", "alice@example.org")
    rp = apache_rp_factory()
    catcher = backchannel_app_factory(
        jwks_over_http(provider_site.issuer), issuer=provider_site.issuer, client_id=CLIENT_ID
    )
    uri = catcher.uri if receiver == "test application" else rp.redirect_uri + "?logout=backchannel"
    entry = application("wiki", NAME, CLIENT_ID, [rp.redirect_uri])
    provider_site.configure([{**entry, "backchannel_logout_uri": uri}])
    rp.start(provider_site.issuer, CLIENT_ID, SECRET)
    page.goto(rp.protected_url)
    sign_in_for(page, provider_site, NAME, "alice")
    expect(page.locator("#email")).to_have_text("alice@example.org", timeout=ROUND_TRIP)

    page.goto(f"{provider_site.issuer}/profile")
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/login"), timeout=ROUND_TRIP)
    if receiver == "test application":
        [claims] = catcher.wait_for(1)
        assert claims["sub"] == sub and claims["sid"] and catcher.refused == []
        return
    deadline = time.monotonic() + 10  # the runner was woken by the sign-out's commit
    while not BACKCHANNEL_POST.search(rp.access_log) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert BACKCHANNEL_POST.search(rp.access_log), rp.access_log + rp.error_log
    page.goto(rp.protected_url)  # Apache's session ended with ours: sign in again
    expect(page.get_by_text(f"Sign in to {NAME}").first).to_be_visible(timeout=ROUND_TRIP)
