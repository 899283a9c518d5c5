"""Sign in with Apple, against a fake that checks the ES256 client secret and posts forms."""

from __future__ import annotations

from typing import Any

import pytest
from joserfc.jwk import ECKey

from providers.apple import MAX_CLIENT_SECRET_LIFETIME, Apple
from providers.base import ProviderError
from tests.support.fakes.apple import FakeApple
from tests.support.fakes.oauth import FakeOAuthService
from tests.support.provider_contract import (
    HTML_NAME,
    REDIRECT_URI,
    ProviderContract,
    follow_authorize,
)


def p8_key() -> str:
    """A private key as Apple's AuthKey_*.p8 file holds it (PKCS#8 PEM, P-256)."""
    return ECKey.generate_key("P-256").as_pem(private=True).decode()


class TestApple(ProviderContract):
    provider = Apple
    fake = FakeApple
    settings = {
        "client_id": "com.example.signin",
        "team_id": "A1B2C3D4E5",
        "key_id": "KEY1234567",
        "private_key": p8_key(),
    }
    # ID-token claims as Apple signs them, and the ``user`` it posts on first sign-in
    profile = {
        "sub": "001234.5f8c2d0e6b7a4c1f9e3d2b1a0c9d8e7f.1234",
        "email": "dpjp7x9t2q@privaterelay.appleid.com",
        "email_verified": "true",
        "is_private_email": "true",
        "real_user_status": 2,
        "user": {
            "name": {"firstName": "Иван", "lastName": "Петров"},
            "email": "dpjp7x9t2q@privaterelay.appleid.com",
        },
    }
    expected = {
        "external_id": "001234.5f8c2d0e6b7a4c1f9e3d2b1a0c9d8e7f.1234",
        "login_hint": "",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "dpjp7x9t2q@privaterelay.appleid.com",
        "email_verified": True,
    }
    authorize_params = {"scope": "name email", "response_mode": "form_post"}

    def make_fake(self, profile: dict[str, Any] | None = None) -> FakeOAuthService:
        return self.fake(
            client_id=self.settings["client_id"],
            client_secret=self.settings["private_key"],
            team_id=self.settings["team_id"],
            key_id=self.settings["key_id"],
            profile=self.profile if profile is None else profile,
        ).start()

    async def test_wrong_client_secret_is_refused(self, service: FakeOAuthService) -> None:
        """The contract's "wrong" is no key at all; a wrong secret is another team's key."""
        provider = self.make_provider(service, private_key=p8_key())
        request = await provider.begin(REDIRECT_URI)
        with pytest.raises(ProviderError) as error:
            await provider.finish(request, await follow_authorize(request), REDIRECT_URI)
        assert error.value.code == "provider_error"

    def profile_with_first_name(self, value: str) -> dict[str, Any]:
        user = {**self.profile["user"], "name": {"firstName": value, "lastName": "X"}}
        return {**self.profile, "user": user}

    async def test_html_in_a_profile_is_kept_as_text(self) -> None:
        user = {**self.profile["user"], "name": {"firstName": HTML_NAME, "lastName": "X"}}
        service = self.make_fake({**self.profile, "user": user})
        try:
            result = await self.sign_in(service)
        finally:
            service.stop()
        assert result.profile.first_name == HTML_NAME

    # ------------------------------------------------------------------ Apple's own rules

    async def test_the_name_arrives_only_on_the_first_sign_in(
        self, service: FakeOAuthService
    ) -> None:
        first, second = await self.sign_in(service), await self.sign_in(service)
        assert (first.profile.first_name, first.profile.last_name) == ("Иван", "Петров")
        assert (second.profile.first_name, second.profile.last_name) == ("", "")
        assert second.profile.external_id == first.profile.external_id
        assert second.profile.email == first.profile.email

    @pytest.mark.parametrize(
        ("settings", "lifetime"),
        [
            ({"private_key": p8_key()}, 600),  # signed with another key
            ({"key_id": "OTHERKEY01"}, 600),  # right key, wrong kid
            ({"team_id": "ZZZZZZZZZZ"}, 600),  # issued by another team
            ({}, -60),  # expired
            ({}, MAX_CLIENT_SECRET_LIFETIME + 1),  # longer than Apple's six months
        ],
    )
    async def test_a_bad_client_secret_is_refused_by_apple(
        self,
        service: FakeOAuthService,
        monkeypatch: pytest.MonkeyPatch,
        settings: dict[str, str],
        lifetime: int,
    ) -> None:
        monkeypatch.setattr(Apple, "client_secret_lifetime", lifetime)
        monkeypatch.setattr("providers.apple.MAX_CLIENT_SECRET_LIFETIME", 10**9)
        provider = self.make_provider(service, **settings)
        request = await provider.begin(REDIRECT_URI)
        with pytest.raises(ProviderError) as error:
            await provider.finish(request, await follow_authorize(request), REDIRECT_URI)
        assert error.value.code == "provider_error"
        assert "invalid_client" in error.value.detail

    async def test_an_unreadable_private_key_is_a_configuration_error(
        self, service: FakeOAuthService
    ) -> None:
        provider = self.make_provider(service, private_key="-----BEGIN PRIVATE KEY-----\nxx")
        request = await provider.begin(REDIRECT_URI)
        with pytest.raises(ProviderError) as error:
            await provider.finish(request, await follow_authorize(request), REDIRECT_URI)
        assert error.value.code == "misconfigured"

    async def test_a_real_address_gives_a_login_hint_and_no_discovery_is_needed(self) -> None:
        service = self.make_fake(
            {**self.profile, "email": "ivan@example.org", "is_private_email": False}
        )
        try:
            result = await self.sign_in(service)
        finally:
            service.stop()
        assert (result.profile.login_hint, result.profile.email) == ("ivan", "ivan@example.org")
        assert not [r for r in service.requests if r[1].startswith("/.well-known/")]

    async def test_a_cancelled_sign_in_uses_apples_error(self, service: FakeOAuthService) -> None:
        service.failure = "access_denied"
        provider = self.make_provider(service)
        callback = await follow_authorize(await provider.begin(REDIRECT_URI))
        assert callback["error"] == "user_cancelled_authorize"
