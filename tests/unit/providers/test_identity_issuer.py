"""Who vouches for a service's account ids, from its endpoints alone (no network, no
secret): the application records it on each link and refuses to re-point a service that
has linked accounts, so another issuer's "alice" never becomes this one's."""

from __future__ import annotations

import pytest

from providers import PROVIDERS
from providers.apple import Apple
from providers.github import GitHub
from providers.office365 import Office365
from providers.oidc import OpenIDConnect
from providers.telegram import Telegram

#: with no override: what each service's ids are vouched for by today
DEFAULTS = {
    "odnoklassniki": "https://api.ok.ru",
    "yandex": "https://login.yandex.ru",
    "vkontakte": "https://id.vk.com",
    "mailru": "https://oauth.mail.ru",
    "google": "https://accounts.google.com",
    "github": "https://api.github.com",
    "office365": "https://login.microsoftonline.com/{tenant}/v2.0",
    "apple": "https://appleid.apple.com",
    "twitter": "https://api.x.com",
    "facebook": "https://graph.facebook.com",
    "telegram": "https://telegram.org",
    "mymailru": "https://www.appsmail.ru",
    "sberid": "https://oauth.sber.ru",
    "tid": "https://id.tbank.ru",
    "microsoft": "https://login.microsoftonline.com/{tenant}/v2.0",
    "bitrix24": "https://www.bitrix24.net",
    "zoom": "https://api.zoom.us",
    "dropbox": "https://api.dropboxapi.com",
    "box": "https://api.box.com",
    "oidc": "",  # no default issuer: the service is incomplete until one is set
}


def test_every_provider_has_a_stable_default() -> None:
    assert {key: p.identity_issuer({}) for key, p in PROVIDERS.items()} == DEFAULTS


def test_an_openid_issuer_is_taken_exactly_as_configured() -> None:
    # character for character: ID tokens must name it so (Auth0's ends with a slash)
    for issuer in ("https://id.example.org/realms/staff", "https://tenant.auth0.com/"):
        assert OpenIDConnect.identity_issuer({"issuer": issuer}) == issuer
    other = OpenIDConnect.identity_issuer({"issuer": "https://evil.example.org/realms/staff"})
    assert other != OpenIDConnect.identity_issuer({"issuer": "https://id.example.org/realms/staff"})


def test_office365_keeps_its_issuer_template() -> None:
    """The tenant is not part of it: it is part of the account id (tid:oid)."""
    assert Office365.identity_issuer({"api_url": "https://graph.example.org/me"}) == (
        "https://login.microsoftonline.com/{tenant}/v2.0"
    )
    fake = "http://127.0.0.1:5000/{tenant}/v2.0"
    assert Office365.identity_issuer({"issuer": fake}) == fake


@pytest.mark.parametrize(
    ("api_url", "issuer"),
    [
        ("https://GHE.Example.org/api/v3/user", "https://ghe.example.org"),
        ("https://ghe.example.org:443/api/v3/user", "https://ghe.example.org"),
        ("http://127.0.0.1:8123/user", "http://127.0.0.1:8123"),
        ("https://user:secret@ghe.example.org/user", "https://ghe.example.org"),
        ("http://[::1]:8080/user", "http://[::1]:8080"),
    ],
)
def test_a_plain_oauth_service_is_vouched_for_by_its_profile_origin(
    api_url: str, issuer: str
) -> None:
    assert GitHub.identity_issuer({"api_url": api_url}) == issuer


def test_moving_other_endpoints_does_not_move_the_issuer() -> None:
    """The browser's and the token's endpoints do not name the account: the profile does."""
    moved = {"authorize_url": "https://a.example.org/auth", "token_url": "https://t.example.org"}
    assert GitHub.identity_issuer(moved) == "https://api.github.com"


def test_apple_moves_with_the_keys_its_tokens_are_checked_with() -> None:
    """Apple's ID tokens are checked with the keys at api_url: another place there could
    sign tokens naming Apple's issuer."""
    assert Apple.identity_issuer({"api_url": "https://appleid.apple.com/auth/keys"}) == (
        "https://appleid.apple.com"
    )
    assert Apple.identity_issuer({"api_url": "https://evil.example.org/keys"}) == (
        "https://appleid.apple.com (keys: https://evil.example.org)"
    )


def test_telegram_is_always_telegram() -> None:
    assert Telegram.identity_issuer({"authorize_url": "http://127.0.0.1:9/auth"}) == (
        "https://telegram.org"
    )
