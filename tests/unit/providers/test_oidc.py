"""Any OpenID Connect provider, against a fake issuer with discovery and signed ID tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

from providers.base import ProviderError, ServiceConfig
from providers.client_assertion import ASSERTION_TYPE, new_client_key, public_jwks
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


# ------------------------------------------------------------ client authentication


class ChoosyIssuer(FakeOpenIDProvider):
    """An issuer that advertises ``offered`` at its token endpoint and takes only
    ``client_auth`` there: the client secret, a ``private_key_jwt`` assertion signed by
    the ``registered`` key set, or nothing at all from a public client (with PKCE)."""

    def __init__(self, *, offered: list[str] | None, **kwargs: Any) -> None:
        super().__init__(client_id="our-client", client_secret="our-secret", **kwargs)
        self.offered = offered
        self.client_auth = offered[0] if offered else "client_secret_basic"
        self.require_pkce = self.client_auth == "none"
        self.registered: dict[str, Any] = {}
        self.assertions: list[dict[str, Any]] = []
        self.discovery_reads = 0

    def discovery(self) -> dict[str, Any]:
        self.discovery_reads += 1
        document = super().discovery()
        if self.offered is not None:
            document["token_endpoint_auth_methods_supported"] = self.offered
        return document

    def authenticated_client(self, form: dict[str, str], headers: Mapping[str, str]) -> bool:
        if self.client_auth == "none":
            return (
                form.get("client_id") == self.client_id
                and "client_secret" not in form
                and "authorization" not in headers
            )
        if self.client_auth == "private_key_jwt":
            return self.assertion_holds(form) and "authorization" not in headers
        return super().authenticated_client(form, headers)

    def assertion_holds(self, form: dict[str, str]) -> bool:
        if form.get("client_assertion_type") != ASSERTION_TYPE or "client_secret" in form:
            return False
        try:
            token = jwt.decode(
                form.get("client_assertion", ""),
                KeySet.import_key_set(self.registered),  # type: ignore[arg-type]
                algorithms=["RS256", "ES256"],
            )
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": self.client_id},
                sub={"essential": True, "value": self.client_id},
                aud={"essential": True, "value": self.url(self.token_path)},
                jti={"essential": True},
                exp={"essential": True},
            ).validate(token.claims)
        except (ValueError, JoseError):
            return False
        if any(token.claims["jti"] == seen["jti"] for seen in self.assertions):
            return False  # a replayed assertion
        self.assertions.append(dict(token.claims))
        return form.get("client_id", self.client_id) == self.client_id


def oidc_service(issuer: ChoosyIssuer, **settings: str) -> OpenIDConnect:
    return OpenIDConnect(
        ServiceConfig(
            settings={"client_id": "our-client", **settings},
            endpoints={"issuer": issuer.issuer},
        )
    )


async def sign_in_with(provider: OpenIDConnect):  # type: ignore[no-untyped-def]
    forget_cached_metadata()
    request = await provider.begin(REDIRECT_URI)
    return await provider.finish(request, await follow_authorize(request), REDIRECT_URI)


@pytest.fixture
def issuers() -> Iterator[Callable[..., ChoosyIssuer]]:
    started: list[ChoosyIssuer] = []

    def start(offered: list[str] | None) -> ChoosyIssuer:
        issuer = ChoosyIssuer(offered=offered, profile=TestOpenIDConnect.profile).start()
        started.append(issuer)
        return issuer

    yield start
    for issuer in started:
        issuer.stop()


RSA_PEM = new_client_key()
EC_PEM = ECKey.generate_key("P-256", private=True).as_pem(private=True).decode()


class TestClientAuthentication:
    """The method comes from the issuer's discovery document, unless the administrator
    chose one; the issuer's own token endpoint proves which one was used."""

    @pytest.mark.parametrize("secret", [{}, {"client_secret": "our-secret"}])
    async def test_an_issuer_taking_only_public_clients(
        self, issuers: Callable[..., ChoosyIssuer], secret: dict[str, str]
    ) -> None:
        issuer = issuers(["none"])
        result = await sign_in_with(oidc_service(issuer, **secret))
        assert result.profile.external_id == "248289761001"
        assert issuer.authorize_requests[-1]["code_challenge_method"] == "S256"

    async def test_the_secret_goes_in_the_header_when_the_issuer_takes_it(
        self, issuers: Callable[..., ChoosyIssuer]
    ) -> None:
        issuer = issuers(["client_secret_basic", "client_secret_post", "none"])
        assert await sign_in_with(oidc_service(issuer, client_secret="our-secret"))

    async def test_the_secret_goes_in_the_form_when_only_that_is_taken(
        self, issuers: Callable[..., ChoosyIssuer]
    ) -> None:
        issuer = issuers(["client_secret_post"])
        assert await sign_in_with(oidc_service(issuer, client_secret="our-secret"))

    @pytest.mark.parametrize("pem", [RSA_PEM, EC_PEM], ids=["RS256", "ES256"])
    async def test_private_key_jwt_signs_a_fresh_assertion_each_time(
        self, issuers: Callable[..., ChoosyIssuer], pem: str
    ) -> None:
        issuer = issuers(["private_key_jwt", "client_secret_basic"])
        issuer.registered = public_jwks(pem)
        provider = oidc_service(issuer, client_key=pem)
        await sign_in_with(provider)
        await sign_in_with(provider)
        first, second = issuer.assertions
        assert first["jti"] != second["jti"]
        assert 0 < first["exp"] - first["iat"] <= 300

    async def test_a_key_made_beside_a_working_secret_is_used_only_when_chosen(
        self, issuers: Callable[..., ChoosyIssuer]
    ) -> None:
        issuer = issuers(["client_secret_basic", "private_key_jwt"])
        issuer.registered = public_jwks(RSA_PEM)
        both = {"client_secret": "our-secret", "client_key": RSA_PEM}
        assert await sign_in_with(oidc_service(issuer, **both))  # the secret, as before
        assert issuer.assertions == []
        issuer.client_auth = "private_key_jwt"
        assert await sign_in_with(oidc_service(issuer, **both, client_auth="private_key_jwt"))
        assert len(issuer.assertions) == 1

    async def test_an_assertion_signed_by_another_key_is_refused(
        self, issuers: Callable[..., ChoosyIssuer]
    ) -> None:
        issuer = issuers(["private_key_jwt"])
        issuer.registered = public_jwks(EC_PEM)
        with pytest.raises(ProviderError) as error:
            await sign_in_with(oidc_service(issuer, client_key=RSA_PEM))
        assert error.value.facts["error"] == "invalid_client"

    async def test_the_administrators_choice_wins_over_the_document(
        self, issuers: Callable[..., ChoosyIssuer]
    ) -> None:
        issuer = issuers(["client_secret_basic", "client_secret_post"])
        issuer.client_auth = "client_secret_post"  # registered so at the issuer
        chosen = oidc_service(issuer, client_secret="our-secret", client_auth="client_secret_post")
        assert await sign_in_with(chosen)
        with pytest.raises(ProviderError) as error:  # what "automatic" would have sent
            await sign_in_with(oidc_service(issuer, client_secret="our-secret"))
        assert error.value.facts["error"] == "invalid_client"

    async def test_the_administrator_may_choose_a_public_client(
        self, issuers: Callable[..., ChoosyIssuer]
    ) -> None:
        issuer = issuers(None)  # the document says nothing: client_secret_basic by default
        issuer.client_auth, issuer.require_pkce = "none", True
        assert await sign_in_with(oidc_service(issuer, client_auth="none"))

    async def test_nothing_usable_names_what_the_issuer_offers(
        self, issuers: Callable[..., ChoosyIssuer]
    ) -> None:
        issuer = issuers(["private_key_jwt", "tls_client_auth"])
        with pytest.raises(ProviderError) as error:
            await sign_in_with(oidc_service(issuer, client_secret="our-secret"))
        assert error.value.code == "misconfigured"
        assert error.value.facts["offers"] == "private_key_jwt, tls_client_auth"
        assert error.value.facts["uses"] == "client_secret_basic, client_secret_post, none"

    @pytest.mark.parametrize(
        ("settings", "problem"),
        [
            ({"client_auth": "secret"}, "client_auth is not one of automatic, client_secret_basic"),
            ({"client_auth": "client_secret_basic"}, "client_secret is needed"),
            ({"client_auth": "private_key_jwt"}, "client_key is needed"),
            ({"client_key": "not a key"}, "client_key is not a PEM RSA or EC private key"),
            (
                {"client_key": ECKey.generate_key("P-384", private=True).as_pem(private=True)},
                "client_key is not on the P-256 curve",
            ),
            (
                {"client_key": RSAKey.import_key(RSA_PEM).as_pem(private=False)},
                "client_key is a public key",
            ),
        ],
    )
    def test_settings_it_could_not_sign_in_with_are_refused_before_saving(
        self, settings: dict[str, Any], problem: str
    ) -> None:
        values = {k: v.decode() if isinstance(v, bytes) else v for k, v in settings.items()}
        provider = OpenIDConnect(ServiceConfig({"client_id": "c", **values}, {"issuer": "x"}))
        assert any(found.startswith(problem) for found in provider.configuration_problems())

    def test_a_method_chosen_by_name_needs_what_it_signs_with(self) -> None:
        issuer = {"issuer": "https://idp.example.org"}
        complete = OpenIDConnect.is_complete
        assert complete({"client_id": "c"}, issuer)  # automatic: a public client may do
        assert not complete({"client_id": "c", "client_auth": "client_secret_post"}, issuer)
        assert not complete({"client_id": "c", "client_auth": "private_key_jwt"}, issuer)
        assert complete(
            {"client_id": "c", "client_auth": "private_key_jwt", "client_key": "k"}, issuer
        )


class TestWithoutDiscovery:
    """An issuer that publishes no discovery document, configured by its endpoints."""

    @pytest.fixture
    def issuer(self) -> Iterator[ChoosyIssuer]:
        fake = ChoosyIssuer(offered=None, profile=TestOpenIDConnect.profile).start()
        original = fake.route

        def no_document(method, path, query, form, headers):  # type: ignore[no-untyped-def]
            if path == "/.well-known/openid-configuration":
                fake.discovery_reads += 1
                return Response(404, b"not found", "text/plain")
            return original(method, path, query, form, headers)

        fake.route = no_document  # type: ignore[method-assign]
        yield fake
        fake.stop()

    def endpoints(self, issuer: ChoosyIssuer) -> dict[str, str]:
        return {
            "issuer": issuer.issuer,
            "authorize_url": issuer.url(issuer.authorize_path),
            "token_url": issuer.url(issuer.token_path),
            "api_url": issuer.url(issuer.profile_path),
            "jwks_uri": issuer.url("/jwks"),
        }

    async def test_its_endpoints_are_enough(self, issuer: ChoosyIssuer) -> None:
        provider = OpenIDConnect(
            ServiceConfig(
                {"client_id": "our-client", "client_secret": "our-secret"}, self.endpoints(issuer)
            )
        )
        assert not provider.reads_discovery
        result = await sign_in_with(provider)
        assert result.profile.email == "jane@example.org"
        assert issuer.discovery_reads == 0

    async def test_the_id_token_is_still_checked_against_the_issuer(
        self, issuer: ChoosyIssuer
    ) -> None:
        endpoints = {**self.endpoints(issuer), "issuer": "https://another.example.org"}
        provider = OpenIDConnect(
            ServiceConfig({"client_id": "our-client", "client_secret": "our-secret"}, endpoints)
        )
        with pytest.raises(ProviderError) as error:
            await sign_in_with(provider)
        assert error.value.code == "invalid_response"

    async def test_without_the_keys_the_document_is_read(self, issuer: ChoosyIssuer) -> None:
        endpoints = {k: v for k, v in self.endpoints(issuer).items() if k != "jwks_uri"}
        provider = OpenIDConnect(
            ServiceConfig({"client_id": "our-client", "client_secret": "our-secret"}, endpoints)
        )
        assert provider.reads_discovery
        with pytest.raises(ProviderError) as error:
            await sign_in_with(provider)
        assert error.value.facts["discovery_url"].endswith("/.well-known/openid-configuration")

    def test_keys_from_elsewhere_are_another_issuer(self) -> None:
        issuer = "https://idp.example.org/realm"
        assert (
            OpenIDConnect.identity_issuer(
                {"issuer": issuer, "jwks_uri": "https://idp.example.org/keys"}
            )
            == issuer
        )
        assert (
            OpenIDConnect.identity_issuer(
                {"issuer": issuer, "jwks_uri": "https://keys.example.net/jwks"}
            )
            == f"{issuer} (keys: https://keys.example.net)"
        )
