"""Telegram Login Widget, against a fake oauth.telegram.org that signs the user's data.

Telegram has no code, no token endpoint and no profile request: the contract tests about
those are replaced by what guards Telegram's signed data instead (hash, age, bot, domain).
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from providers.base import ProviderError
from providers.github import GitHub
from providers.telegram import Telegram
from tests.support.fakes.oauth import FakeOAuthService
from tests.support.fakes.telegram import FakeTelegram
from tests.support.provider_contract import REDIRECT_URI, ProviderContract, follow_authorize

TELEGRAM_FAILURES = {
    "forged_hash": "invalid_response",
    "stale_auth_date": "invalid_response",
    "other_bot": "invalid_response",
    "profile_no_id": "missing_id",
}


class TestTelegram(ProviderContract):
    provider = Telegram
    fake = FakeTelegram
    settings = {
        "bot_username": "example_site_bot",
        "bot_token": "7012345678:AAFq3bW8xZ2Kc9mLrT5vYpN1dE4gH6jS0uQ",
    }
    # the user object as the widget's data-onauth receives it (auth_date and hash are added)
    profile = {
        "id": 123456789,
        "first_name": "Иван",
        "last_name": "Петров",
        "username": "ivan_petrov",
        "photo_url": "https://t.me/i/userpic/320/ivan_petrov.jpg",
    }
    expected = {
        "external_id": "123456789",
        "login_hint": "ivan_petrov",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": None,
        "email_verified": False,
        "picture_url": "https://t.me/i/userpic/320/ivan_petrov.jpg",
        "profile_url": "https://t.me/ivan_petrov",
    }
    first_name_key = "first_name"
    id_key = "id"

    def make_fake(self, profile: dict[str, Any] | None = None, **options: Any) -> FakeOAuthService:
        return self.fake(
            client_id=self.settings["bot_username"],
            client_secret=self.settings["bot_token"],
            profile=self.profile if profile is None else profile,
            domain=urlsplit(REDIRECT_URI).hostname or "",
            **options,
        ).start()

    # -------------------------------------------- the contract, in Telegram's own terms

    async def test_authorize_request(self, service: FakeOAuthService) -> None:
        provider = self.make_provider(service)
        first, second = await provider.begin(REDIRECT_URI), await provider.begin(REDIRECT_URI)
        params = {k: v[-1] for k, v in parse_qs(urlsplit(first.url).query).items()}
        assert params == {
            "bot_id": "7012345678",
            "origin": "https://sso.example.org",
            "return_to": f"{REDIRECT_URI}?state={first.state}",
            "request_access": "write",
        }
        assert len(first.state) >= 20 and first.state != second.state

    async def test_sign_in_maps_the_profile(self, service: FakeOAuthService) -> None:
        """As the contract's, except that Telegram issues no token at all."""
        result = await self.sign_in(service)
        assert {key: getattr(result.profile, key) for key in self.expected} == self.expected
        assert result.tokens.access_token == "" and result.tokens.refresh_token is None
        assert result.profile.raw and "hash" not in result.profile.raw

    async def test_code_is_single_use(self, service: FakeOAuthService) -> None:
        """There is no code: the signed data is refused once it is max_auth_age old."""
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        await provider.finish(request, callback, REDIRECT_URI)
        later = time.time() + Telegram.max_auth_age + 60
        with pytest.MonkeyPatch.context() as patch, pytest.raises(ProviderError) as error:
            patch.setattr(Telegram, "now", staticmethod(lambda: later))
            await provider.finish(request, callback, REDIRECT_URI)
        assert error.value.code == "invalid_response"

    async def test_redirect_uri_must_be_the_authorize_one(self, service: FakeOAuthService) -> None:
        """Telegram sends the user back only to the domain linked to the bot (/setdomain)."""
        provider = self.make_provider(service)
        request = await provider.begin("https://evil.example.net/oauth/telegram/callback")
        async with httpx.AsyncClient() as client:
            response = await client.get(request.url)
        assert (response.status_code, response.text) == (400, "Bot domain invalid")

    async def test_user_cancelled(self, service: FakeOAuthService) -> None:
        pytest.skip("a user who declines is never sent back to the site: no callback to test")

    @pytest.mark.parametrize(("failure", "code"), sorted(TELEGRAM_FAILURES.items()))
    async def test_failures_become_one_typed_error(
        self, service: FakeOAuthService, failure: str, code: str
    ) -> None:
        """No token or profile request can fail; spoilt signed data must, with one code."""
        assert await self.failure_code(service, failure) == code

    async def test_wrong_client_secret_is_refused(self, service: FakeOAuthService) -> None:
        """The same bot with another (e.g. revoked) token: its hashes do not match."""
        provider = self.make_provider(
            service, bot_token="7012345678:AAHrevokedrevokedrevokedrevoked"
        )
        request = await provider.begin(REDIRECT_URI)
        with pytest.raises(ProviderError) as error:
            await provider.finish(request, await follow_authorize(request), REDIRECT_URI)
        assert error.value.code == "invalid_response"

    def test_declaration_is_complete(self) -> None:
        """As the contract's, but Telegram has only the page it sends the browser to."""
        assert set(Telegram.endpoint_keys()) == {"authorize_url"}
        assert Telegram.title and Telegram.help and "https://" in Telegram.help
        assert [(f.key, f.secret) for f in Telegram.fields] == [
            ("bot_username", False),
            ("bot_token", True),
        ]

    # ----------------------------------------------------------- Telegram's own rules

    async def test_the_fragment_form_is_accepted(self) -> None:
        """oauth.telegram.org returns #tgAuthResult=…; the callback page forwards it."""
        service = self.make_fake(fragment=True)
        try:
            provider = self.make_provider(service)
            request = await provider.begin(REDIRECT_URI)
            async with httpx.AsyncClient() as client:
                location = (await client.get(request.url)).headers["location"]
            url, _, fragment = location.partition("#")
            callback = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
            callback.update({k: v[-1] for k, v in parse_qs(fragment).items()})
            assert set(callback) == {"state", "tgAuthResult"}
            result = await provider.finish(request, callback, REDIRECT_URI)
        finally:
            service.stop()
        assert result.profile.external_id == "123456789"
        assert result.profile.first_name == "Иван"

    def test_a_page_forwards_the_fragment_until_the_query_holds_the_data(self) -> None:
        """Browsers keep the #fragment to themselves: while the query has neither form of
        the signed data, the callback is a page that moves it into the query."""
        page = Telegram.callback_page({"state": "s1"}, problem_url="/problem?a=1&b=</script>")
        assert page is not None
        assert "tgAuthResult" in page and "location.replace" in page
        assert 'location.replace("/problem?a=1&b=\\u003c/script>")' in page
        for signed in ({"state": "s1", "hash": "h"}, {"state": "s1", "tgAuthResult": "e30"}):
            assert Telegram.callback_page(signed, problem_url="/problem") is None
        assert GitHub.callback_page({"state": "s1"}, problem_url="/problem") is None

    async def test_an_unreadable_tg_auth_result_is_malformed(
        self, service: FakeOAuthService
    ) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        for junk in ("%%%", base64.urlsafe_b64encode(json.dumps([1]).encode()).decode()):
            with pytest.raises(ProviderError) as error:
                await provider.finish(
                    request, {"state": request.state, "tgAuthResult": junk}, REDIRECT_URI
                )
            assert error.value.code == "malformed_response"

    async def test_a_field_added_to_the_signed_data_is_refused(
        self, service: FakeOAuthService
    ) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        for changed in ({"username": "admin"}, {"is_admin": "1"}, {"hash": ""}):
            with pytest.raises(ProviderError) as error:
                await provider.finish(request, {**callback, **changed}, REDIRECT_URI)
            assert error.value.code == "invalid_response"

    async def test_a_username_that_is_not_a_bots_is_a_configuration_error(
        self, service: FakeOAuthService
    ) -> None:
        # an @ in front, as people copy it from Telegram, is tolerated
        await self.make_provider(service, bot_username="@example_site_bot").begin(REDIRECT_URI)
        with pytest.raises(ProviderError) as error:
            await self.make_provider(service, bot_username="Example Site").begin(REDIRECT_URI)
        assert error.value.code == "misconfigured"
