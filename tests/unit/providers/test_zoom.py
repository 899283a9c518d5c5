"""Zoom: Basic client authentication, PKCE, ``/v2/users/me``, refresh and revocation."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from providers.base import ProviderError, SignInResult, TokenSet
from providers.zoom import Zoom
from tests.support.fakes.zoom import FakeZoom
from tests.support.provider_contract import REDIRECT_URI, ProviderContract, follow_authorize


class TestZoom(ProviderContract):
    provider = Zoom
    fake = FakeZoom
    settings = {
        "client_id": "hT3qLx0eRbWzY8uN1vKc2A",
        "client_secret": "p9Qs4VdF7kJm2XwZ8rTbY6nLc3HgE5aU",
    }
    # GET /v2/users/me, as Zoom documents the user object
    profile = {
        "id": "KDcuGIm1QgePTO8WbOqwIQ",
        "first_name": "Иван",
        "last_name": "Петров",
        "display_name": "Иван Петров",
        "email": "ivan.petrov@example.com",
        "type": 1,
        "role_name": "Owner",
        "pmi": 3542471135,
        "use_pmi": False,
        "personal_meeting_url": "https://us05web.zoom.us/j/3542471135?pwd=abc",
        "timezone": "Europe/Moscow",
        "verified": 1,
        "dept": "",
        "created_at": "2021-05-05T20:40:30Z",
        "last_login_time": "2026-11-30T08:12:01Z",
        "pic_url": "https://us05web.zoom.us/p/v2/4e6c1f0a/picture",
        "language": "ru-RU",
        "status": "active",
        "account_id": "q6gBJVO5TzexKYTb_I2rpg",
        "login_type": 100,
    }
    expected = {
        "external_id": "KDcuGIm1QgePTO8WbOqwIQ",
        "login_hint": "ivan.petrov",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "ivan.petrov@example.com",
        "email_verified": False,
        "picture_url": "https://us05web.zoom.us/p/v2/4e6c1f0a/picture",
        "profile_url": None,
    }
    first_name_key = "first_name"
    id_key = "id"
    authorize_params = {"code_challenge_method": "S256"}

    async def signed_in(self, service: FakeZoom) -> tuple[Zoom, SignInResult]:
        provider = self.make_provider(service)
        assert isinstance(provider, Zoom)
        return provider, await self.sign_in(service)

    async def test_no_scope_is_asked_for(self, service: FakeZoom) -> None:
        await self.sign_in(service)
        assert "scope" not in service.authorize_requests[-1]

    async def test_client_secret_in_the_form_is_refused(self, service: FakeZoom) -> None:
        request = await self.make_provider(service).begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        async with httpx.AsyncClient() as client:
            response = await client.post(
                service.url("/oauth/token"),
                data={
                    "grant_type": "authorization_code",
                    "code": callback["code"],
                    "redirect_uri": REDIRECT_URI,
                    "code_verifier": request.code_verifier or "",
                    **self.settings,
                },
            )
        assert response.status_code == 401
        assert response.json() == {
            "reason": "Invalid client_id or client_secret",
            "error": "invalid_client",
        }

    async def test_token_errors_are_read_from_reason(self, service: FakeZoom) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        await provider.finish(request, callback, REDIRECT_URI)
        with pytest.raises(ProviderError) as error:
            await provider.finish(request, callback, REDIRECT_URI)
        assert error.value.facts["error"] == "invalid_grant"
        assert error.value.facts["error_description"] == "the code is unknown, expired or used"

    async def test_api_refusing_the_token_is_a_typed_error(self, service: FakeZoom) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        tokens = await provider.exchange_code(request, callback, REDIRECT_URI)
        async with httpx.AsyncClient() as client:
            as_query = await client.get(
                service.url("/v2/users/me"), params={"access_token": tokens.access_token}
            )
        assert (as_query.status_code, as_query.json()["code"]) == (401, 124)
        service.tokens.pop(tokens.access_token)  # revoked before the profile is read
        with pytest.raises(ProviderError) as error:
            await provider.fetch_profile(tokens, request, callback)
        assert error.value.code == "provider_error"
        assert "401" in error.value.detail

    async def test_refresh_rotates_the_refresh_token(self, service: FakeZoom) -> None:
        provider, result = await self.signed_in(service)
        assert result.tokens.refresh_token
        renewed = await provider.refresh(result.tokens.refresh_token)
        assert renewed.refresh_token and renewed.refresh_token != result.tokens.refresh_token
        assert service.token_state(renewed.access_token) == "valid"
        with pytest.raises(ProviderError) as error:
            await provider.refresh(result.tokens.refresh_token)
        assert error.value.code == "invalid_grant"

    async def test_revoke_ends_the_grant(self, service: FakeZoom) -> None:
        provider, result = await self.signed_in(service)
        assert Zoom.revokes
        await provider.revoke(result.tokens)
        assert service.revocations == 1
        assert service.token_state(result.tokens.access_token) == "unknown"
        with pytest.raises(ProviderError) as error:  # the refresh token went with it
            await provider.refresh(result.tokens.refresh_token or "")
        assert error.value.code == "invalid_grant"
        sent = [form for _, path, form in service.requests if path == "/oauth/revoke"]
        assert sent == [{"token": result.tokens.access_token}]  # with Basic credentials

    async def test_an_expired_access_token_is_renewed_before_revoking(
        self, service: FakeZoom
    ) -> None:
        provider, result = await self.signed_in(service)
        service.expire(result.tokens.access_token)
        stale = dataclasses.replace(
            result.tokens, expires_at=datetime.now(UTC) - timedelta(hours=1)
        )
        await provider.revoke(stale)
        assert (service.refreshes, service.revocations) == (1, 1)

    async def test_a_refused_revocation_is_a_typed_error(self, service: FakeZoom) -> None:
        provider = self.make_provider(service)
        with pytest.raises(ProviderError) as error:
            await provider.revoke(TokenSet(access_token="never-issued"))
        assert error.value.code == "provider_error"
        assert error.value.facts == {
            "error": "invalid_request",
            "error_description": "Invalid Token!",
        }
        wrong = self.make_provider(service, client_secret="wrong")
        access_token, _ = service.issue_token()
        with pytest.raises(ProviderError) as error:
            await wrong.revoke(TokenSet(access_token=access_token))
        assert error.value.facts["error"] == "invalid_client"
        assert service.token_state(access_token) == "valid"
