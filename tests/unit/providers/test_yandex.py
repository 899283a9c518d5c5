"""Yandex ID: Basic client authentication, the ``OAuth`` header scheme, its profile fields."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from providers.base import ProviderError, ServiceConfig
from providers.yandex import Yandex
from tests.support.fakes.oauth import FakeOAuthService
from tests.support.fakes.yandex import FakeYandex
from tests.support.provider_contract import REDIRECT_URI, ProviderContract, follow_authorize


class TestYandex(ProviderContract):
    provider = Yandex
    fake = FakeYandex
    settings = {"client_id": "0c5ba2a5b8e44e1ba4b7a3b0f3a4ce11", "client_secret": "5d8e1f"}
    # login.yandex.ru/info?format=json with login:info, login:email and login:avatar
    profile = {
        "id": "1000034426",
        "login": "ivan.petrov",
        "display_name": "Иван",
        "real_name": "Иван Петров",
        "first_name": "Иван",
        "last_name": "Петров",
        "sex": "male",
        "default_email": "ivan.petrov@yandex.ru",
        "emails": ["ivan.petrov@yandex.ru", "ivan@example.org"],
        "default_avatar_id": "131652443/kfYNsBhHR9zTbVCtdJTE1QrBkK4-1",
        "is_avatar_empty": False,
        "psuid": "1.AAceCw.tbHgw5DtJ9_zeqPrk-Ba2w.qPWSRC5v2t2IaksPJgnge",
    }
    expected = {
        "external_id": "1000034426",
        "login_hint": "ivan.petrov",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "ivan.petrov@yandex.ru",
        "email_verified": False,
        "picture_url": "https://avatars.yandex.net/get-yapic/"
        "131652443/kfYNsBhHR9zTbVCtdJTE1QrBkK4-1/islands-200",
    }
    first_name_key = "first_name"
    id_key = "id"
    authorize_params = {"force_confirm": "yes"}

    async def test_redirect_uri_must_be_the_authorize_one(self, service: FakeOAuthService) -> None:
        """Yandex's token endpoint takes no redirect_uri; the code is bound by PKCE instead."""
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        forged = dataclasses.replace(request, code_verifier="another-verifier-" + "x" * 40)
        with pytest.raises(ProviderError) as error:
            await provider.finish(forged, callback, REDIRECT_URI)
        assert error.value.code == "invalid_grant"

    async def test_profile_is_read_with_the_oauth_scheme_as_json(
        self, service: FakeOAuthService
    ) -> None:
        token = (await self.sign_in(service)).tokens.access_token
        assert ("GET", "/info", {"format": "json"}) in service.requests
        async with httpx.AsyncClient() as client:
            bearer = await client.get(
                service.url("/info?format=json"), headers={"Authorization": f"Bearer {token}"}
            )
        assert bearer.status_code == 401

    async def test_client_secret_in_the_form_is_refused(self, service: FakeOAuthService) -> None:
        request = await self.make_provider(service).begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        async with httpx.AsyncClient() as client:
            response = await client.post(
                service.url("/token"),
                data={
                    "grant_type": "authorization_code",
                    "code": callback["code"],
                    "client_id": self.settings["client_id"],
                    "client_secret": self.settings["client_secret"],
                    "code_verifier": request.code_verifier or "",
                },
            )
        assert response.json()["error"] == "invalid_client"

    def test_first_name_falls_back_to_the_login(self) -> None:
        profile = Yandex(ServiceConfig()).map_profile(
            {"id": "42", "login": "ivan", "first_name": ""}
        )
        assert profile.first_name == "ivan"
        assert profile.email is None and profile.picture_url is None

    def test_email_and_avatar_rules(self) -> None:
        mapped = Yandex(ServiceConfig()).map_profile(
            {
                "id": "42",
                "login": "ivan",
                "emails": ["second@yandex.ru"],
                "default_avatar_id": "0/0-0",
                "is_avatar_empty": True,
            },
        )
        assert mapped.email == "second@yandex.ru"
        assert mapped.picture_url is None

    async def test_an_id_that_is_not_unicode_text_is_refused(self) -> None:
        """A lone surrogate (JSON can carry one as an escape) cannot be written as UTF-8.
        (Yandex here: the fake issuer's JWT library cannot sign one.)"""
        with pytest.raises(ProviderError) as error:
            await self.sign_in_with(self.profile_with_id("alice\ud800"))
        assert error.value.code == "invalid_id"
        assert "U+D800" in error.value.detail
