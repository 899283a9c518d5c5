"""Revoking a grant at the service (unlinking), each service against its fake: after
``revoke`` neither the access token nor the refresh token works there any more; a service
that cannot be told raises ProviderError. And which services declare revocation at all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import httpx
import pytest
from joserfc.jwk import ECKey

from providers import PROVIDERS
from providers.apple import Apple
from providers.base import (
    CLIENT_CREDENTIALS,
    ExternalProfile,
    Provider,
    ProviderError,
    RevocationUnavailable,
    ServiceConfig,
    TokenSet,
)
from providers.facebook import Facebook
from providers.github import GitHub
from providers.oidc import OpenIDConnect
from providers.twitter import Twitter
from providers.vkontakte import VKontakte
from tests.support.fakes.apple import FakeApple
from tests.support.fakes.facebook import FakeFacebook
from tests.support.fakes.github import FakeGitHub
from tests.support.fakes.oauth import FakeOAuthService, Response, oauth_error
from tests.support.fakes.openid import FakeOpenIDProvider
from tests.support.fakes.twitter import FakeTwitter
from tests.support.fakes.vkontakte import FakeVKontakte

CLIENT = {"client_id": "the-app", "client_secret": "the-secret"}


class Standard(Provider):
    """A service that follows RFC 7009 to the letter, as a generic one would."""

    id = "standard"
    title = "Standard"
    help = ""
    fields = CLIENT_CREDENTIALS
    token_auth = "client_secret_basic"
    endpoints: ClassVar[dict[str, str]] = {
        "authorize_url": "https://standard.example/authorize",
        "token_url": "https://standard.example/token",
        "api_url": "https://standard.example/me",
        "revocation_url": "https://standard.example/revoke",
    }

    def map_profile(self, raw: Any) -> ExternalProfile:
        return ExternalProfile(external_id=str(raw["id"]))


class StandardFake(FakeOAuthService):
    revocation_path = "/revoke"
    client_auth = "client_secret_basic"


class AccessTokensOnly(StandardFake):
    """A service that revokes access tokens only (RFC 7009, 2.2.1)."""

    def revoke(self, form: dict[str, str], headers: Any) -> Response:
        if form.get("token_type_hint") == "refresh_token":
            return oauth_error("unsupported_token_type", "refresh tokens are not revoked here")
        return super().revoke(form, headers)


@pytest.fixture
def standard() -> Iterator[StandardFake]:
    fake = StandardFake(**CLIENT, profile={"id": "7"}).start()
    yield fake
    fake.stop()


def provider_for(provider: type[Provider], fake: FakeOAuthService, **settings: str) -> Provider:
    return provider(ServiceConfig(settings={**CLIENT, **settings}, endpoints=fake.endpoints()))


async def profile_answer(fake: FakeOAuthService, access_token: str) -> int:
    async with httpx.AsyncClient() as http:
        response = await http.get(
            fake.url(fake.profile_path), headers={"Authorization": f"Bearer {access_token}"}
        )
    return response.status_code


async def refresh_works(provider: Provider, refresh_token: str) -> bool:
    try:
        await provider.refresh(refresh_token)
    except ProviderError:
        return False
    return True


# ------------------------------------------------------------------ RFC 7009 (default)


async def test_revoking_the_refresh_token_ends_the_whole_grant(standard: StandardFake) -> None:
    provider = provider_for(Standard, standard)
    access, refresh = standard.issue_token()
    assert await profile_answer(standard, access) == 200
    await provider.revoke(TokenSet(access, refresh))
    sent = [logged for method, path, logged in standard.requests if path == "/revoke"]
    assert [(form["token"], form["token_type_hint"]) for form in sent] == [
        (refresh, "refresh_token")
    ]
    assert await profile_answer(standard, access) == 401
    assert not await refresh_works(provider, refresh)


async def test_an_access_token_alone_is_revoked(standard: StandardFake) -> None:
    provider = provider_for(Standard, standard)
    access, refresh = standard.issue_token()
    await provider.revoke(TokenSet(access))
    assert await profile_answer(standard, access) == 401
    assert not await refresh_works(provider, refresh)  # its grant went with it


async def test_a_service_that_takes_no_refresh_tokens_gets_the_access_token() -> None:
    fake = AccessTokensOnly(**CLIENT, profile={"id": "7"}).start()
    try:
        provider = provider_for(Standard, fake)
        access, refresh = fake.issue_token()
        await provider.revoke(TokenSet(access, refresh))
        assert await profile_answer(fake, access) == 401
    finally:
        fake.stop()


async def test_a_token_the_service_forgot_already_is_no_failure(standard: StandardFake) -> None:
    await provider_for(Standard, standard).revoke(TokenSet("long-gone", "long-gone-too"))


async def test_a_service_that_is_down_is_a_failure(standard: StandardFake) -> None:
    provider = provider_for(Standard, standard)
    access, refresh = standard.issue_token()
    standard.failure = "revoke_503"
    with pytest.raises(ProviderError) as error:
        await provider.revoke(TokenSet(access, refresh))
    assert error.value.code == "unavailable"
    standard.failure = None
    assert await profile_answer(standard, access) == 200  # nothing was revoked


async def test_a_refusal_names_the_services_error(standard: StandardFake) -> None:
    provider = provider_for(Standard, standard, client_secret="wrong")
    access, refresh = standard.issue_token()
    with pytest.raises(ProviderError) as error:
        await provider.revoke(TokenSet(access, refresh))
    assert (error.value.code, error.value.facts["error"]) == ("provider_error", "invalid_client")


async def test_an_unreachable_service_is_a_failure() -> None:
    provider = Standard(
        ServiceConfig(settings=CLIENT, endpoints={"revocation_url": "http://127.0.0.1:9/revoke"})
    )
    with pytest.raises(ProviderError) as error:
        await provider.revoke(TokenSet("a", "r"))
    assert error.value.code == "unavailable"


async def test_a_service_that_finds_it_has_no_endpoint_says_so() -> None:
    """As an OpenID Connect issuer whose discovery document names no revocation_endpoint."""

    class Discovers(Standard):
        async def revocation_endpoint(self) -> str | None:
            return None

    assert Discovers.revokes
    with pytest.raises(RevocationUnavailable):
        await Discovers(ServiceConfig(settings=CLIENT)).revoke(TokenSet("a", "r"))


async def test_a_bearer_apis_401_says_the_token_was_refused(standard: StandardFake) -> None:
    provider = provider_for(Standard, standard)
    with pytest.raises(ProviderError) as error:
        await provider.get_json(standard.url(standard.profile_path), token="not-a-token")
    assert error.value.token_refused


# ------------------------------------------------------------------ each service's own way


async def test_x_revokes_with_basic_auth_and_the_hint_it_requires() -> None:
    fake = FakeTwitter(**CLIENT, profile={"data": {"id": "1"}}).start()
    try:
        provider = provider_for(Twitter, fake)
        access, refresh = fake.issue_token(scope="tweet.read users.read offline.access")
        await provider.revoke(TokenSet(access, refresh))
        assert fake.revocations == 1
        assert await profile_answer(fake, access) == 401
        assert not await refresh_works(provider, refresh)
    finally:
        fake.stop()


async def test_github_deletes_the_grant() -> None:
    fake = FakeGitHub(**CLIENT, profile={"id": 1}).start()
    try:
        provider = provider_for(GitHub, fake)
        access, _ = fake.issue_token(scope="read:user user:email")
        await provider.revoke(TokenSet(access))
        assert await profile_answer(fake, access) == 401
        with pytest.raises(ProviderError):  # GitHub does not know the token any more
            await provider.revoke(TokenSet(access))
        other, _ = fake.issue_token()
        with pytest.raises(ProviderError):  # only with the client's own secret
            await provider_for(GitHub, fake, client_secret="wrong").revoke(TokenSet(other))
        assert await profile_answer(fake, other) == 200
    finally:
        fake.stop()


async def test_facebook_withdraws_the_login() -> None:
    fake = FakeFacebook(**CLIENT, profile={"id": "10"}).start()
    try:
        provider = provider_for(Facebook, fake)
        access, _ = fake.issue_token(scope="email public_profile")
        await provider.revoke(TokenSet(access))
        with pytest.raises(ProviderError) as error:  # the Graph API refuses the token now
            await provider.revoke(TokenSet(access))
        assert error.value.token_refused
    finally:
        fake.stop()


async def test_an_expired_facebook_token_is_refused_as_such() -> None:
    fake = FakeFacebook(**CLIENT, profile={"id": "10"}).start()
    try:
        access, _ = fake.issue_token(expires_in=0)
        with pytest.raises(ProviderError) as error:
            await provider_for(Facebook, fake).revoke(TokenSet(access))
        assert error.value.token_refused
    finally:
        fake.stop()


async def test_vk_id_withdraws_the_permissions() -> None:
    fake = FakeVKontakte(**CLIENT, profile={"user_id": "5"}).start()
    try:
        provider = provider_for(VKontakte, fake)
        access, refresh = fake.issue_token(scope="vkid.personal_info email")
        stored_refresh = f"device-1 {refresh}"  # as VKontakte hands it out: with a device id
        await provider.revoke(TokenSet(access, stored_refresh))
        assert fake.revocations == 1
        assert not await refresh_works(provider, stored_refresh)
        with pytest.raises(ProviderError) as error:
            await provider.revoke(TokenSet(access))
        assert error.value.facts["error"] == "invalid_token"
    finally:
        fake.stop()


async def test_apple_revokes_with_its_signed_client_secret() -> None:
    key = ECKey.generate_key("P-256").as_pem(private=True).decode()
    settings = {"client_id": "com.example.signin", "team_id": "TEAM123456", "key_id": "KEY1"}
    fake = FakeApple(
        client_id=settings["client_id"],
        client_secret=key,
        team_id=settings["team_id"],
        key_id=settings["key_id"],
        profile={"sub": "001.apple"},
    ).start()
    try:
        provider = Apple(
            ServiceConfig(settings={**settings, "private_key": key}, endpoints=fake.endpoints())
        )
        access, refresh = fake.issue_token()
        await provider.revoke(TokenSet(access, refresh))
        assert fake.revocations == 1
        assert fake.token_state(access) == "unknown"
    finally:
        fake.stop()


async def test_an_openid_connect_issuer_revokes_where_its_discovery_says() -> None:
    fake = FakeOpenIDProvider(**CLIENT, profile={"sub": "7"})
    fake.revocation_path = "/revoke"
    fake.start()
    try:
        provider = OpenIDConnect(ServiceConfig(settings=CLIENT, endpoints=fake.endpoints()))
        assert "revocation_url" not in fake.endpoints()  # only the discovery document names it
        assert await provider.revocation_endpoint() == fake.url("/revoke")
        access, refresh = fake.issue_token()
        await provider.revoke(TokenSet(access, refresh))
        assert [path for _, path, _ in fake.requests if path == "/revoke"] == ["/revoke"]
        assert fake.token_state(access) == "unknown"
        assert not await refresh_works(provider, refresh)
    finally:
        fake.stop()


async def test_an_openid_connect_issuer_without_revocation_says_so() -> None:
    fake = FakeOpenIDProvider(**CLIENT, profile={"sub": "7"}).start()
    try:
        provider = OpenIDConnect(ServiceConfig(settings=CLIENT, endpoints=fake.endpoints()))
        access, refresh = fake.issue_token()
        with pytest.raises(RevocationUnavailable):
            await provider.revoke(TokenSet(access, refresh))
        assert fake.token_state(access) == "valid"
    finally:
        fake.stop()


async def test_an_issuer_configured_by_its_endpoints_revokes_at_its_revocation_url() -> None:
    fake = FakeOpenIDProvider(**CLIENT, profile={"sub": "7"})
    fake.revocation_path = "/revoke"
    fake.start()
    try:
        endpoints = {
            "issuer": fake.issuer,
            "authorize_url": fake.url(fake.authorize_path),
            "token_url": fake.url(fake.token_path),
            "jwks_uri": fake.url("/jwks"),
        }
        without = OpenIDConnect(ServiceConfig(settings=CLIENT, endpoints=endpoints))
        assert not without.reads_discovery
        assert await without.revocation_endpoint() is None  # no discovery read for it
        provider = OpenIDConnect(
            ServiceConfig(
                settings=CLIENT, endpoints={**endpoints, "revocation_url": fake.url("/revoke")}
            )
        )
        access, refresh = fake.issue_token()
        await provider.revoke(TokenSet(access, refresh))
        assert fake.token_state(access) == "unknown"
        assert not any(path.startswith("/.well-known") for _, path, _ in fake.requests)
    finally:
        fake.stop()


# ------------------------------------------------------------------ who declares it


def test_the_services_that_document_revocation_declare_it() -> None:
    revoking = {provider_id for provider_id, provider in PROVIDERS.items() if provider.revokes}
    for provider_id in ("google", "apple", "twitter", "github", "facebook", "vkontakte"):
        assert provider_id in revoking
    assert "oidc" in revoking  # where its issuer's discovery names a revocation_endpoint
    # Yandex revokes only device tokens; OK, OAuth Mail, Microsoft's work and personal
    # accounts and Telegram document no revocation for an application
    for provider_id in ("yandex", "odnoklassniki", "mailru", "office365", "microsoft", "telegram"):
        assert provider_id not in revoking


def test_revokes_follows_the_endpoint_or_an_override() -> None:
    class Plain(Provider):
        endpoints: ClassVar[dict[str, str]] = {"token_url": "https://plain.example/token"}

    class OwnWay(Plain):
        async def revoke(self, tokens: TokenSet) -> None:
            return None

    class Refuses(Standard):
        revokes = False

    assert (Plain.revokes, OwnWay.revokes, Standard.revokes, Refuses.revokes) == (
        False,
        True,
        True,
        False,
    )
