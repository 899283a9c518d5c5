"""Dropbox: Basic client authentication, PKCE, offline access, RPC over POST, revocation."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from providers.base import ProviderError, SignInResult, TokenSet
from providers.dropbox import Dropbox
from tests.support.fakes.dropbox import FakeDropbox
from tests.support.provider_contract import REDIRECT_URI, ProviderContract, follow_authorize

ACCOUNT_ID = "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"
PHOTO = "https://dl-web.dropbox.com/account_photo/get/dbaphid%3AAAHWGmIXV3sUuOmBfTz0wPsiqHUpBWvv3ZA?size=128x128"


class TestDropbox(ProviderContract):
    provider = Dropbox
    fake = FakeDropbox
    settings = {"client_id": "q3k8z1m0v7x2b5n", "client_secret": "7hd92kfj3lq0w8e"}
    # users/get_current_account's answer, the names flattened (the fake nests them)
    profile = {
        "account_id": ACCOUNT_ID,
        "given_name": "Иван",
        "surname": "Петров",
        "familiar_name": "Иван",
        "display_name": "Иван Петров",
        "abbreviated_name": "ИП",
        "email": "ivan.petrov@example.com",
        "email_verified": True,
        "disabled": False,
        "locale": "ru",
        "referral_link": "https://db.tt/ZITNuhtI",
        "is_paired": False,
        "account_type": {".tag": "basic"},
        "root_info": {
            ".tag": "user",
            "root_namespace_id": "3235641",
            "home_namespace_id": "3235641",
        },
        "country": "RU",
        "profile_photo_url": PHOTO,
    }
    expected = {
        "external_id": ACCOUNT_ID,
        "login_hint": "ivan.petrov",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "ivan.petrov@example.com",
        "email_verified": True,
        "picture_url": PHOTO,
        "profile_url": None,
    }
    first_name_key = "given_name"
    id_key = "account_id"
    authorize_params = {
        "token_access_type": "offline",
        "scope": "account_info.read",
        "code_challenge_method": "S256",
    }

    async def signed_in(self, service: FakeDropbox) -> tuple[Dropbox, SignInResult]:
        provider = self.make_provider(service)
        assert isinstance(provider, Dropbox)
        return provider, await self.sign_in(service)

    async def test_the_names_are_read_from_name(self, service: FakeDropbox) -> None:
        result = await self.sign_in(service)
        assert result.profile.raw["name"]["display_name"] == "Иван Петров"
        only_display = {k: v for k, v in self.profile.items() if k not in {"given_name", "surname"}}
        result = await self.sign_in_with(only_display)
        assert (result.profile.first_name, result.profile.last_name) == ("Иван", "Петров")

    async def test_an_unverified_email_is_not_verified(self) -> None:
        result = await self.sign_in_with({**self.profile, "email_verified": False})
        assert result.profile.email == "ivan.petrov@example.com"
        assert result.profile.email_verified is False

    async def test_the_profile_is_a_post_with_a_null_argument(self, service: FakeDropbox) -> None:
        token = (await self.sign_in(service)).tokens.access_token
        url = service.url("/2/users/get_current_account")
        bearer = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient() as client:
            as_get = await client.get(url, headers=bearer)
            with_object = await client.post(url, headers=bearer, json={})
            without_type = await client.post(url, headers=bearer, content=b"null")
            no_body = await client.post(url, headers=bearer)
        assert as_get.status_code == 405
        assert with_object.status_code == without_type.status_code == 400
        assert "expected null" in with_object.text
        assert no_body.json()["account_id"] == ACCOUNT_ID  # also as Dropbox documents it

    async def test_wrong_client_secret_in_the_form_is_refused(self, service: FakeDropbox) -> None:
        request = await self.make_provider(service).begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        form = {
            "grant_type": "authorization_code",
            "code": callback["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": request.code_verifier or "",
        }
        async with httpx.AsyncClient() as client:
            anonymous = await client.post(service.url("/oauth2/token"), data=form)
            wrong = await client.post(
                service.url("/oauth2/token"),
                data={**form, "client_id": self.settings["client_id"], "client_secret": "x"},
            )
            right = await client.post(service.url("/oauth2/token"), data={**form, **self.settings})
        assert anonymous.json()["error"] == wrong.json()["error"] == "invalid_client"
        assert right.json()["access_token"]  # the code was not spent by the refusals

    async def test_an_expired_access_token_is_a_typed_error(self, service: FakeDropbox) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        tokens = await provider.exchange_code(request, callback, REDIRECT_URI)
        service.expire(tokens.access_token)
        with pytest.raises(ProviderError) as error:
            await provider.fetch_profile(tokens, request, callback)
        assert error.value.code == "provider_error"
        assert error.value.facts["error"] == "expired_access_token"
        assert error.value.token_refused  # a refresh may cure it

    async def test_refresh_keeps_the_refresh_token(self, service: FakeDropbox) -> None:
        provider, result = await self.signed_in(service)
        refresh_token = result.tokens.refresh_token
        assert refresh_token
        first = await provider.refresh(refresh_token)
        second = await provider.refresh(refresh_token)  # Dropbox's are not single use
        assert first.refresh_token == second.refresh_token == refresh_token
        assert first.access_token != second.access_token
        assert service.token_state(second.access_token) == "valid"

    async def test_online_access_has_no_refresh_token(self, service: FakeDropbox) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        online = dataclasses.replace(
            request,
            url=request.url.replace("token_access_type=offline", "token_access_type=online"),
        )
        result = await provider.finish(online, await follow_authorize(online), REDIRECT_URI)
        assert result.tokens.refresh_token is None

    async def test_revoke_ends_the_grant(self, service: FakeDropbox) -> None:
        provider, result = await self.signed_in(service)
        assert Dropbox.revokes
        await provider.revoke(result.tokens)
        assert service.revocations == 1
        assert service.token_state(result.tokens.access_token) == "unknown"
        with pytest.raises(ProviderError) as error:  # the refresh token went with it
            await provider.refresh(result.tokens.refresh_token or "")
        assert error.value.code == "invalid_grant"
        sent = [(method, form) for method, path, form in service.requests if "revoke" in path]
        assert sent == [("POST", {})]  # the JSON null: no argument

    async def test_an_expired_access_token_is_renewed_before_revoking(
        self, service: FakeDropbox
    ) -> None:
        provider, result = await self.signed_in(service)
        service.expire(result.tokens.access_token)
        stale = dataclasses.replace(
            result.tokens, expires_at=datetime.now(UTC) - timedelta(hours=1)
        )
        await provider.revoke(stale)
        assert (service.refreshes, service.revocations) == (1, 1)

    async def test_a_refused_revocation_is_a_typed_error(self, service: FakeDropbox) -> None:
        provider = self.make_provider(service)
        with pytest.raises(ProviderError) as error:
            await provider.revoke(TokenSet(access_token="never-issued"))
        assert error.value.code == "provider_error"
        assert error.value.facts == {
            "error": "invalid_access_token",
            "error_description": "invalid_access_token/..",
        }
