"""GitHub: the OAuth web flow with PKCE, ``/user`` and the verified primary e-mail."""

from __future__ import annotations

import httpx
import pytest

from providers.base import ProviderError
from providers.github import GitHub
from tests.support.fakes.github import FakeGitHub
from tests.support.fakes.oauth import FakeOAuthService
from tests.support.provider_contract import (
    HTML_NAME,
    REDIRECT_URI,
    ProviderContract,
    follow_authorize,
)


class TestGitHub(ProviderContract):
    provider = GitHub
    fake = FakeGitHub
    settings = {"client_id": "Iv1.8a61f9b3a7aba766", "client_secret": "1a2b3c4d5e6f7a8b9c0d"}
    profile = {
        "login": "octocat",
        "id": 583231,
        "node_id": "MDQ6VXNlcjU4MzIzMQ==",
        "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4",
        "html_url": "https://github.com/octocat",
        "type": "User",
        "name": "Иван Петров",
        "company": "@github",
        "email": None,
        "created_at": "2011-01-25T18:44:36Z",
    }
    expected = {
        "external_id": "583231",
        "login_hint": "octocat",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "octocat@github.com",
        "email_verified": True,
        "picture_url": "https://avatars.githubusercontent.com/u/583231?v=4",
        "profile_url": "https://github.com/octocat",
    }
    first_name_key = "name"
    id_key = "id"
    authorize_params = {"scope": "read:user user:email", "code_challenge_method": "S256"}

    async def test_html_in_a_profile_is_kept_as_text(self) -> None:
        # GitHub has one "name"; its first word is the first name, the rest the last name.
        service = self.make_fake({**self.profile, "name": f"Mona {HTML_NAME}"})
        try:
            result = await self.sign_in(service)
        finally:
            service.stop()
        assert (result.profile.first_name, result.profile.last_name) == ("Mona", HTML_NAME)

    async def test_only_a_primary_verified_email_is_taken(self, service: FakeGitHub) -> None:
        service.emails = [
            {"email": "primary@example.org", "primary": True, "verified": False},
            {"email": "other@example.org", "primary": False, "verified": True},
        ]
        result = await self.sign_in(service)
        assert result.profile.email is None
        assert result.profile.email_verified is False
        assert result.profile.external_id == "583231"

    async def test_emails_refused_still_signs_in(self, service: FakeGitHub) -> None:
        service.emails = 403  # a GitHub App without the "Email addresses" permission
        result = await self.sign_in(service)
        assert (result.profile.external_id, result.profile.email) == ("583231", None)

    async def test_emails_are_read_next_to_api_url(self, service: FakeGitHub) -> None:
        await self.sign_in(service)
        paths = [path for _, path, _ in service.requests]
        assert paths[-2:] == ["/user", "/user/emails"]
        assert GitHub.endpoints["api_url"] + "/emails" == "https://api.github.com/user/emails"

    async def test_wrong_pkce_verifier_is_refused(self, service: FakeGitHub) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        forged = type(request)(
            url=request.url, state=request.state, code_verifier="x" * 64, nonce=None
        )
        with pytest.raises(ProviderError) as error:
            await provider.finish(forged, callback, REDIRECT_URI)
        assert error.value.code == "invalid_grant"

    async def test_token_errors_come_with_http_200(self, service: FakeOAuthService) -> None:
        async with httpx.AsyncClient() as client:
            response = await client.post(
                service.url("/login/oauth/access_token"),
                data={"client_id": "Iv1.8a61f9b3a7aba766", "client_secret": "1a2b3c4d5e6f7a8b9c0d"}
                | {"code": "unknown", "grant_type": "authorization_code"},
                headers={"Accept": "application/json"},
            )
        assert response.status_code == 200
        assert response.json()["error"] == "bad_verification_code"

    async def test_api_wants_an_authorization_header(self, service: FakeOAuthService) -> None:
        result = await self.sign_in(service)
        token = result.tokens.access_token
        async with httpx.AsyncClient() as client:
            as_query = await client.get(service.url("/user"), params={"access_token": token})
            as_token = await client.get(
                service.url("/user/emails"), headers={"Authorization": f"token {token}"}
            )
        assert as_query.status_code == 401
        assert as_query.json()["message"] == "Bad credentials"
        assert as_token.status_code == 200
