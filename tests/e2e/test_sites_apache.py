"""Apache httpd with mod_auth_openidc signs people in through our provider, in Chromium.

A site's other applications are the point of the provider role: a page behind Apache
lets in whoever signed in here, with a password or with an external service's button, and
knows them by the claims of our ID token; Apache's logout signs them out here too, and
a person the application is not for is refused. The same Apache set-up signs in at npm
oidc-provider (tests/support/test_apache_rp.py), so a failure here is ours.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.support.apache_rp import ApacheRp, apache_rp_factory
from tests.support.fakes.yandex import FakeYandex
from tests.support.provider_site import (
    RESERVED_SECRET,
    ROUND_TRIP,
    SECRET,
    ProviderSite,
    application,
    provider_site,
    sign_in_for,
)

__all__ = ["apache_rp_factory", "provider_site"]  # the fixtures, for this module's tests

NAME = "Staff wiki"
CLIENT_ID = "wiki-apache"
# login.yandex.ru/info?format=json, as tests/unit/providers/test_yandex.py has it
YANDEX_PROFILE = {
    "id": "1000034426",
    "login": "ivan.petrov",
    "first_name": "Ivan",
    "last_name": "Petrov",
    "real_name": "Ivan Petrov",
    "default_email": "ivan.petrov@yandex.ru",
    "emails": ["ivan.petrov@yandex.ru"],
    "is_avatar_empty": True,
}


def start_apache(
    apache_rp_factory,
    site: ProviderSite,
    auth_method: str = "client_secret_basic",
    allowed_groups: list[str] | None = None,
    secret: str = SECRET,
    **sections: object,
) -> ApacheRp:
    """Apache registered here as the application "Staff wiki", then started."""
    rp = apache_rp_factory()
    public = auth_method == "none"
    site.configure(
        [
            application(
                "wiki",
                NAME,
                CLIENT_ID,
                [rp.redirect_uri],
                public=public,
                post_logout_redirect_uris=[rp.logged_out_url],
                allowed_groups=allowed_groups,
                secret=secret,
            )
        ],
        **sections,
    )
    rp.start(site.issuer, CLIENT_ID, None if public else secret, token_endpoint_auth=auth_method)
    return rp


ACCESS_LINE = re.compile(r'"GET (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) ')


def answers_to_apache(rp: ApacheRp, count: int) -> list[tuple[dict[str, str], int]]:
    """From Apache's access log: each answer our authorization endpoint sent the browser
    back with (its query), and the status Apache replied to it with. Apache logs a request
    after its response is sent, so the browser may show the page first: wait for
    ``count`` of them."""
    path = urlsplit(rp.redirect_uri).path
    deadline = time.monotonic() + 10
    while True:
        answers = []
        for line in ACCESS_LINE.finditer(rp.access_log):
            url = urlsplit(line["path"])
            if url.path == path and url.query:
                query = {key: values[0] for key, values in parse_qs(url.query).items()}
                answers.append((query, int(line["status"])))
        if len(answers) >= count or time.monotonic() > deadline:
            return answers
        time.sleep(0.05)


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post", "none"])
def test_a_visitor_signs_in_with_a_password_and_apache_shows_their_email(
    apache_rp_factory, provider_site: ProviderSite, page: Page, auth_method: str
) -> None:
    sub = provider_site.add_user("alice", "alice@example.org")
    rp = start_apache(apache_rp_factory, provider_site, auth_method)

    page.goto(rp.protected_url)
    sign_in_for(page, provider_site, NAME, "alice")

    expect(page).to_have_url(rp.protected_url, timeout=ROUND_TRIP)
    expect(page.locator("#email")).to_have_text("alice@example.org")
    expect(page.locator("#sub")).to_have_text(sub)


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_a_secret_with_reserved_characters_is_accepted(
    apache_rp_factory, provider_site: ProviderSite, page: Page, auth_method: str
) -> None:
    provider_site.add_user("alice", "alice@example.org")
    rp = start_apache(apache_rp_factory, provider_site, auth_method, secret=RESERVED_SECRET)
    page.goto(rp.protected_url)
    sign_in_for(page, provider_site, NAME, "alice")
    expect(page).to_have_url(rp.protected_url, timeout=ROUND_TRIP)
    expect(page.locator("#email")).to_have_text("alice@example.org")


def test_apaches_logout_ends_the_session_here_too(
    apache_rp_factory, provider_site: ProviderSite, page: Page
) -> None:
    provider_site.add_user("alice", "alice@example.org")
    rp = start_apache(apache_rp_factory, provider_site)
    page.goto(rp.protected_url)
    sign_in_for(page, provider_site, NAME, "alice")
    expect(page.locator("#email")).to_have_text("alice@example.org")

    # Apache sends id_token_hint and post_logout_redirect_uri to our end_session_endpoint;
    # the hint names the person signed in here, so no question is asked.
    page.locator("#logout").click()
    expect(page).to_have_url(rp.logged_out_url, timeout=ROUND_TRIP)
    expect(page.get_by_role("heading")).to_have_text("Signed out of the Apache relying party")

    page.goto(f"{provider_site.issuer}/profile")
    expect(page).to_have_url(f"{provider_site.issuer}/login?next=/profile")
    page.goto(rp.protected_url)  # signed out at Apache too: our sign-in page again
    expect(page.get_by_text(f"Sign in to {NAME}").first).to_be_visible(timeout=ROUND_TRIP)


def test_a_person_outside_the_allowed_groups_gets_no_access(
    apache_rp_factory, provider_site: ProviderSite, page: Page
) -> None:
    provider_site.add_user("bob", "bob@example.org")  # only in "registered"
    rp = start_apache(apache_rp_factory, provider_site, allowed_groups=["administrators"])

    page.goto(rp.protected_url)
    sign_in_for(page, provider_site, NAME, "bob")

    expect(page.get_by_text("Error:")).to_be_visible(timeout=ROUND_TRIP)  # Apache's error page
    expect(page.locator("#email")).to_have_count(0)
    [(answer, apache_status)] = answers_to_apache(rp, 1)
    assert answer["error"] == "access_denied"
    assert answer["iss"] == provider_site.issuer  # RFC 9207, on error responses too
    assert apache_status >= 400
    # mod_auth_openidc 2.4.12 takes a response with `iss` and without `code` for a
    # third-party-initiated login (its discovery parameter is `iss`) before it looks for
    # `error`, and so shows "Invalid Request ... OIDCDefaultURL is not set" rather than
    # access_denied; the visitor gets no access all the same.
    page.goto(rp.protected_url)  # trying again does not let them in either
    expect(page.get_by_text("Error:")).to_be_visible(timeout=ROUND_TRIP)
    assert [answer["error"] for answer, _ in answers_to_apache(rp, 2)] == ["access_denied"] * 2


def test_an_administrator_in_the_allowed_group_gets_in(
    apache_rp_factory, provider_site: ProviderSite, page: Page
) -> None:
    provider_site.add_user("carol", "carol@example.org", admin=True)
    rp = start_apache(apache_rp_factory, provider_site, allowed_groups=["administrators"])
    page.goto(rp.protected_url)
    sign_in_for(page, provider_site, NAME, "carol")
    expect(page).to_have_url(rp.protected_url, timeout=ROUND_TRIP)
    expect(page.locator("#email")).to_have_text("carol@example.org")


@pytest.fixture
def yandex() -> Iterator[FakeYandex]:
    fake = FakeYandex(client_id="ya-client", client_secret="ya-secret", profile=YANDEX_PROFILE)
    fake.start()
    yield fake
    fake.stop()


def test_a_visitor_signs_in_with_the_yandex_button_and_apache_knows_who_they_are(
    apache_rp_factory, provider_site: ProviderSite, page: Page, yandex: FakeYandex
) -> None:
    rp = start_apache(
        apache_rp_factory,
        provider_site,
        services={
            "yandex": {
                "enabled": True,
                "settings": {"client_id": "ya-client", "client_secret": "ya-secret"},
                "endpoints": yandex.endpoints(),
            }
        },
        registration={
            "allow_self_registration": True,
            "allow_social_registration": True,
            "denied_auth_groups": [],
            "denied_link_groups": [],
        },
    )

    page.goto(rp.protected_url)
    expect(page.get_by_text(f"Sign in to {NAME}").first).to_be_visible(timeout=ROUND_TRIP)
    page.get_by_role("link", name="Yandex").click()  # the fake approves at once

    expect(page).to_have_url(rp.protected_url, timeout=ROUND_TRIP)
    expect(page.locator("#name")).to_have_text("Ivan Petrov")
    expect(page.locator("#sub")).to_have_text(re.compile(r"^\d+$"))  # the new account's id
    # Yandex does not say whether an address is confirmed: the account has no e-mail,
    # and no application is told an address nobody vouched for.
    expect(page.locator("#email")).to_have_text("(none)")
