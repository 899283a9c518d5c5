"""X (Twitter): OAuth 2.0 with PKCE, HTTP Basic client authentication, ``/2/users/me``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from providers.base import ProviderError
from providers.twitter import Twitter
from tests.support.fakes.oauth import FakeOAuthService
from tests.support.fakes.twitter import FakeTwitter
from tests.support.provider_contract import (
    HTML_NAME,
    REDIRECT_URI,
    ProviderContract,
    follow_authorize,
)


class TestTwitter(ProviderContract):
    provider = Twitter
    fake = FakeTwitter
    settings = {
        "client_id": "M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ",
        "client_secret": "s7Vq2Xk9pL0mN3bR8tY6uW1zA4cE5gH",
    }
    profile = {
        "data": {
            "id": "2244994945",
            "name": "Иван Петров",
            "username": "ivan_petrov",
            "profile_image_url": "https://pbs.twimg.com/profile_images/1/avatar_normal.jpg",
        }
    }
    expected = {
        "external_id": "2244994945",
        "login_hint": "ivan_petrov",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": None,
        "email_verified": False,
        "picture_url": "https://pbs.twimg.com/profile_images/1/avatar_normal.jpg",
        "profile_url": "https://x.com/ivan_petrov",
    }
    first_name_key = "name"
    id_key = "id"
    authorize_params = {
        "scope": "tweet.read tweet.write users.read offline.access",
        "code_challenge_method": "S256",
    }

    def profile_with_id(self, value: str) -> dict[str, Any]:
        return {"data": {**self.profile["data"], "id": value}}

    def profile_with_first_name(self, value: str) -> dict[str, Any]:
        return {"data": {**self.profile["data"], "name": value}}

    async def test_html_in_a_profile_is_kept_as_text(self) -> None:
        # X has one display name; its first word is the first name, the rest the last name.
        service = self.make_fake({"data": {**self.profile["data"], "name": f"Mona {HTML_NAME}"}})
        try:
            result = await self.sign_in(service)
        finally:
            service.stop()
        assert (result.profile.first_name, result.profile.last_name) == ("Mona", HTML_NAME)

    def test_documented_hosts(self) -> None:
        assert Twitter.endpoints["authorize_url"] == "https://x.com/i/oauth2/authorize"
        assert Twitter.endpoints["token_url"] == "https://api.x.com/2/oauth2/token"
        assert Twitter.endpoints["api_url"] == "https://api.x.com/2/users/me"

    async def test_offline_access_gives_a_refresh_token(self, service: FakeOAuthService) -> None:
        result = await self.sign_in(service)
        assert result.tokens.refresh_token
        assert "tweet.write" in result.tokens.scopes

    async def test_token_request_uses_basic_and_names_the_client(
        self, service: FakeOAuthService
    ) -> None:
        await self.sign_in(service)
        token_call = next(
            params for _, path, params in service.requests if path == "/2/oauth2/token"
        )
        assert token_call["client_id"] == self.settings["client_id"]
        assert "client_secret" not in token_call

    async def test_the_fake_refuses_post_client_authentication(
        self, service: FakeOAuthService
    ) -> None:
        async with httpx.AsyncClient() as client:
            response = await client.post(
                service.url("/2/oauth2/token"),
                data={
                    "grant_type": "authorization_code",
                    "code": "any",
                    "client_id": self.settings["client_id"],
                    "client_secret": self.settings["client_secret"],
                },
            )
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized_client"

    async def test_the_fake_requires_pkce(self, service: FakeOAuthService) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        stripped = request.url.split("&code_challenge=")[0]
        async with httpx.AsyncClient() as client:
            response = await client.get(stripped)
        assert response.status_code == 400

    async def test_wrong_verifier_is_an_expired_sign_in(self, service: FakeOAuthService) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        forged = type(request)(url=request.url, state=request.state, code_verifier="y" * 64)
        with pytest.raises(ProviderError) as error:
            await provider.finish(forged, callback, REDIRECT_URI)
        assert error.value.code == "invalid_grant"
        assert "code verifier" in error.value.detail

    async def test_profile_errors_without_data_are_refused(self, service: FakeTwitter) -> None:
        service.user_profile = {
            "errors": [{"title": "Forbidden", "detail": "User is suspended", "type": "about:blank"}]
        }
        with pytest.raises(ProviderError) as error:
            await self.sign_in(service)
        assert error.value.code == "provider_error"
