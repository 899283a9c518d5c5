"""Any OpenID Connect provider, against a fake issuer with discovery and signed ID tokens."""

from __future__ import annotations

import pytest

from providers.base import ProviderError, ServiceConfig
from providers.oidc import OpenIDConnect
from providers.openid import forget_cached_metadata
from tests.support.fakes.oauth import FakeOAuthService, Response
from tests.support.fakes.openid import FakeOpenIDProvider
from tests.support.provider_contract import REDIRECT_URI, ProviderContract, follow_authorize


class TestOpenIDConnect(ProviderContract):
    provider = OpenIDConnect
    fake = FakeOpenIDProvider
    settings = {"client_id": "our-client", "client_secret": "our-secret"}
    profile = {
        "sub": "248289761001",
        "preferred_username": "jdoe",
        "given_name": "Jane",
        "family_name": "Doe",
        "email": "jane@example.org",
        "email_verified": True,
        "picture": "https://idp.example.org/jane.png",
    }
    expected = {
        "external_id": "248289761001",
        "login_hint": "jdoe",
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "jane@example.org",
        "email_verified": True,
        "picture_url": "https://idp.example.org/jane.png",
    }

    @pytest.mark.parametrize(
        "failure",
        [
            "id_token_bad_signature",
            "id_token_wrong_audience",
            "id_token_wrong_nonce",
            "id_token_expired",
        ],
    )
    async def test_untrustworthy_id_token_is_refused(
        self, service: FakeOAuthService, failure: str
    ) -> None:
        service.failure = failure
        with pytest.raises(ProviderError) as error:
            await self.sign_in(service)
        assert error.value.code == "invalid_response"

    async def test_unverified_email_is_reported_as_such(self) -> None:
        service = self.make_fake({**self.profile, "email_verified": False})
        try:
            result = await self.sign_in(service)
        finally:
            service.stop()
        assert result.profile.email == "jane@example.org"
        assert result.profile.email_verified is False


class TestOpenIDConnectEdges:
    """What real issuers do that the plain contract does not show."""

    async def sign_in(self, service: FakeOpenIDProvider, **settings: str):  # type: ignore[no-untyped-def]
        forget_cached_metadata()
        provider = OpenIDConnect(
            ServiceConfig(
                settings={"client_id": "our-client", "client_secret": "our-secret", **settings},
                endpoints={"issuer": service.issuer},
            )
        )
        request = await provider.begin(REDIRECT_URI)
        return await provider.finish(request, await follow_authorize(request), REDIRECT_URI)

    @pytest.fixture
    def service(self):  # type: ignore[no-untyped-def]
        fake = FakeOpenIDProvider(
            client_id="our-client", client_secret="our-secret", profile=TestOpenIDConnect.profile
        ).start()
        yield fake
        fake.stop()

    async def test_an_issuer_ending_with_a_slash(self, service: FakeOpenIDProvider) -> None:
        service.issuer_suffix = "/"
        result = await self.sign_in(service)
        assert result.profile.external_id == "248289761001"

    async def test_keys_rotated_since_they_were_cached(self, service: FakeOpenIDProvider) -> None:
        await self.sign_in(service)
        service.rotate_keys()
        provider = OpenIDConnect(
            ServiceConfig(
                settings={"client_id": "our-client", "client_secret": "our-secret"},
                endpoints={"issuer": service.issuer},
            )
        )  # the cache still holds the old keys
        request = await provider.begin(REDIRECT_URI)
        result = await provider.finish(request, await follow_authorize(request), REDIRECT_URI)
        assert result.profile.external_id == "248289761001"

    async def test_token_for_several_audiences_needs_azp(self, service: FakeOpenIDProvider) -> None:
        service.extra_claims = {"aud": ["somebody-else", "our-client"]}
        with pytest.raises(ProviderError) as error:
            await self.sign_in(service)
        assert error.value.code == "invalid_response"
        service.extra_claims = {"aud": ["somebody-else", "our-client"], "azp": "our-client"}
        assert (await self.sign_in(service)).profile.external_id

    async def test_discovery_about_another_issuer_is_refused(
        self, service: FakeOpenIDProvider
    ) -> None:
        forget_cached_metadata()
        provider = OpenIDConnect(
            ServiceConfig(
                settings={"client_id": "our-client", "client_secret": "our-secret"},
                endpoints={"issuer": service.issuer + "/other-realm"},
            )
        )
        with pytest.raises(ProviderError) as error:
            await provider.begin(REDIRECT_URI)
        assert error.value.code in {"misconfigured", "provider_error"}

    @pytest.mark.parametrize("expires_in", [1e400, "1e400", -5, "soon"])
    async def test_odd_token_lifetimes(
        self, service: FakeOpenIDProvider, expires_in: object
    ) -> None:
        original = service.token_response

        def with_lifetime(access_token, grant):  # type: ignore[no-untyped-def]
            return {**original(access_token, grant), "expires_in": expires_in}

        service.token_response = with_lifetime  # type: ignore[method-assign]
        try:
            result = await self.sign_in(service)
        except ProviderError as error:
            assert error.code == "malformed_response"
        else:
            assert result.tokens.expires_at is not None

    async def test_deeply_nested_answer_is_a_typed_error(self, service: FakeOpenIDProvider) -> None:
        service.profile = lambda profile, grant: [[[]]]  # type: ignore[method-assign, assignment]
        original_route = service.route

        def nested(method, path, query, form, headers):  # type: ignore[no-untyped-def]
            if path == service.profile_path:
                return Response(200, b"[" * 200_000 + b"]" * 200_000)
            return original_route(method, path, query, form, headers)

        service.route = nested  # type: ignore[method-assign]
        with pytest.raises(ProviderError) as error:
            await self.sign_in(service)
        assert error.value.code == "malformed_response"
