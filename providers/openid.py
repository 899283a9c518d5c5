"""OpenID Connect on top of the OAuth 2.0 flow: discovery, the ID token, the nonce.

Endpoints come from the issuer's discovery document unless the administrator overrides
them; an issuer without one is configured by its endpoints (``DISCOVERY_FREE``). The ID
token's signature is checked against the issuer's published keys, and its issuer,
audience, expiry and nonce against what we sent, before any claim is believed.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from providers.base import (
    AuthorizationRequest,
    ExternalProfile,
    Provider,
    ProviderError,
    SignInResult,
    TokenSet,
    identifier,
    json_object,
    provider_errors,
    text,
)
from providers.http import http_client
from providers.values import quoted

DISCOVERY_TTL = 3600.0
ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")
CLOCK_LEEWAY = 120
#: the endpoints that, all given, make the discovery document unnecessary (the issuer is
#: still needed: ID tokens must name it)
DISCOVERY_FREE = ("authorize_url", "token_url", "jwks_uri")

# issuer -> (fetched at, discovery document); jwks_uri -> (fetched at, keys)
_discovery_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_keys_cache: dict[str, tuple[float, KeySet]] = {}


def forget_cached_metadata() -> None:
    """Drop cached discovery documents and keys (tests start providers on new ports)."""
    _discovery_cache.clear()
    _keys_cache.clear()


def forget_discovery(issuer: str) -> None:
    """Drop one issuer's cached discovery document, so that the next sign-in reads it
    again (a saved service, or the administrator's "Read again"). Its keys stay: they are
    fetched again anyway when an ID token names a key id they lack."""
    _discovery_cache.pop(issuer, None)


class OpenIDProvider(Provider):
    #: the endpoints come from a discovery document an administrator may read again
    #: (Apple's are documented instead)
    discovers: ClassVar[bool] = True

    endpoints: ClassVar[Mapping[str, str]] = {
        "issuer": "",
        "authorize_url": "",
        "token_url": "",
        "api_url": "",
        "revocation_url": "",  # else the discovery document's revocation_endpoint
    }
    scopes: ClassVar[tuple[str, ...]] = ("openid", "email", "profile")
    pkce = True
    token_auth = "client_secret_basic"

    def new_nonce(self) -> str | None:
        return secrets.token_urlsafe(24)

    @property
    def issuer(self) -> str:
        """Exactly as configured: ID tokens must name it character for character (some
        issuers, Auth0's for one, end with a slash)."""
        return self.endpoint("issuer")

    def configured_endpoint(self, key: str) -> str:
        """The administrator's override, else the default; empty when neither is set."""
        return self.config.endpoints.get(key) or self.endpoints.get(key, "")

    @property
    def reads_discovery(self) -> bool:
        """Whether the discovery document is read: not when every endpoint it would give
        is configured, as for an issuer that publishes none."""
        return not all(self.configured_endpoint(key) for key in DISCOVERY_FREE)

    def client_auth_options(self) -> tuple[str, ...]:
        """The client authentication methods this service may use with its settings, in
        order of preference (the editor warns when the issuer offers none of them)."""
        return (self.token_auth,)

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"

    async def read_discovery_again(self) -> dict[str, Any]:
        """The discovery document read now, replacing the cached one; ProviderError
        (with its ``facts``) when it cannot be read."""
        forget_discovery(self.issuer)
        return await self.metadata()

    def cached_metadata(self) -> dict[str, Any] | None:
        """``metadata`` when it needs no request (read less than ``DISCOVERY_TTL`` ago, or
        none to read), else None."""
        if not self.reads_discovery:
            return {}
        cached = _discovery_cache.get(self.issuer)
        if cached and time.monotonic() - cached[0] < DISCOVERY_TTL:
            return cached[1]
        return None

    async def metadata(self) -> dict[str, Any]:
        """The discovery document; empty for an issuer configured by its endpoints."""
        cached = self.cached_metadata()
        if cached is not None:
            return cached
        url = self.discovery_url
        try:
            with provider_errors("discovery"):
                document = await self.get_json(url)
            self.check_discovered_issuer(text(document.get("issuer")))
        except ProviderError as error:  # the administrator's "Try it" names the document
            problem = error.detail.removeprefix("discovery: ")
            raise ProviderError(
                error.code, error.detail, discovery_url=url, problem=problem[:500]
            ) from None
        _discovery_cache[self.issuer] = (time.monotonic(), document)
        return document

    def check_discovered_issuer(self, discovered: str) -> None:
        """OpenID Connect Discovery 4.3: the document must be about the issuer we asked."""
        if discovered.rstrip("/") != self.issuer.rstrip("/"):
            raise ProviderError("misconfigured", f"discovery names issuer {discovered!r}")

    async def _endpoint_or_discovered(self, key: str, discovered: str) -> str:
        override = self.configured_endpoint(key)
        if override:
            return override
        value = (await self.metadata()).get(discovered)
        if not value:
            raise ProviderError("misconfigured", f"discovery has no {discovered}")
        return str(value)

    async def authorize_url(self) -> str:
        return await self._endpoint_or_discovered("authorize_url", "authorization_endpoint")

    def known_authorize_url(self) -> str | None:
        """The configured endpoint, else the cached discovery document's; None when the
        document must be read first (or this service finds the endpoint its own way)."""
        own = type(self)
        if own.authorize_url is not OpenIDProvider.authorize_url:
            return None
        if own.metadata is not OpenIDProvider.metadata:
            return None
        override = self.configured_endpoint("authorize_url")
        if override:
            return override
        document = self.cached_metadata()
        value = document.get("authorization_endpoint") if document is not None else None
        return str(value) if value else None  # none listed: ``begin`` says so

    async def token_url(self) -> str:
        return await self._endpoint_or_discovered("token_url", "token_endpoint")

    async def userinfo_url(self) -> str | None:
        override = self.configured_endpoint("api_url")
        if override:
            return override
        value = (await self.metadata()).get("userinfo_endpoint")
        return str(value) if value else None

    async def revocation_endpoint(self) -> str | None:
        """RFC 7009 revocation: the administrator's ``revocation_url`` (else the service's
        default), else the discovery document's ``revocation_endpoint`` (RFC 8414); None
        when the issuer has none (unlinking then only forgets the tokens). An issuer
        configured by its endpoints reads no discovery: only ``revocation_url`` counts."""
        override = self.configured_endpoint("revocation_url")
        if override:
            return override
        value = (await self.metadata()).get("revocation_endpoint")
        return str(value) if value else None

    async def keys(self, *, refresh: bool = False) -> KeySet:
        jwks_uri = self.configured_endpoint("jwks_uri") or str(
            (await self.metadata()).get("jwks_uri") or ""
        )
        if not jwks_uri:
            raise ProviderError("misconfigured", "discovery has no jwks_uri")
        cached = _keys_cache.get(jwks_uri)
        if cached and not refresh and time.monotonic() - cached[0] < DISCOVERY_TTL:
            return cached[1]
        with provider_errors("jwks"):
            async with http_client() as http:
                response = await http.get(jwks_uri)
            keys = KeySet.import_key_set(json_object(response))  # type: ignore[arg-type]
        _keys_cache[jwks_uri] = (time.monotonic(), keys)
        return keys

    def accepted_issuers(self, claims: Mapping[str, Any]) -> list[str]:
        """The ``iss`` values this service's ID tokens may carry."""
        return [self.issuer]

    async def verify_id_token(self, id_token: str | None, nonce: str | None) -> dict[str, Any]:
        """The ID token's claims, after checking signature, issuer, audience, time, nonce."""
        if not id_token:
            raise ProviderError("malformed_response", "the token response has no id_token")
        try:
            token = jwt.decode(id_token, await self.keys(), algorithms=ID_TOKEN_ALGORITHMS)
        except (ValueError, InvalidKeyIdError):  # a key we do not know: keys may have rotated
            token = await self._decode_with_fresh_keys(id_token)
        except JoseError as error:
            raise ProviderError("invalid_response", f"id_token: {error}") from None
        claims = dict(token.claims)
        if not identifier(claims.get("sub")):
            raise ProviderError("missing_id", "the id_token has no sub")
        issuers = self.accepted_issuers(claims)
        if not issuers:  # an empty list would mean "any issuer" to the claims registry
            raise ProviderError("invalid_response", "no issuer is acceptable for this token")
        audience = claims.get("aud")
        if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != self.client_id:
            raise ProviderError(
                "invalid_response", "a token for several audiences, not authorised for us"
            )
        options: dict[str, Any] = {
            "iss": {"essential": True, "values": issuers},
            "aud": {"essential": True, "value": self.client_id},
            "exp": {"essential": True},
        }
        if nonce is not None:
            options["nonce"] = {"essential": True, "value": nonce}
        try:
            jwt.JWTClaimsRegistry(leeway=CLOCK_LEEWAY, **options).validate(claims)
        except JoseError as error:
            raise ProviderError("invalid_response", f"id_token claims: {error}") from None
        return claims

    async def _decode_with_fresh_keys(self, id_token: str) -> jwt.Token:
        try:
            return jwt.decode(
                id_token, await self.keys(refresh=True), algorithms=ID_TOKEN_ALGORITHMS
            )
        except (ValueError, JoseError) as error:
            raise ProviderError("invalid_response", f"id_token: {error}") from None

    async def complete(
        self, request: AuthorizationRequest, callback: Mapping[str, str], redirect_uri: str
    ) -> SignInResult:
        """Refuse an answer that names another issuer, or names none when the issuer
        says it always does (RFC 9207, the mix-up defence)."""
        self.check_state(request, callback)
        issuer = callback.get("iss")
        if issuer is None:
            if await self.sends_iss_parameter():
                raise ProviderError("invalid_response", "the callback has no iss parameter")
        elif not await self._is_our_issuer(issuer):
            raise ProviderError("invalid_response", f"iss parameter names {quoted(issuer)}")
        return await super().complete(request, callback, redirect_uri)

    async def sends_iss_parameter(self) -> bool:
        """Whether the issuer's metadata promises ``iss`` in every authorization response
        (``authorization_response_iss_parameter_supported``, RFC 9207 section 3)."""
        return (await self.metadata()).get("authorization_response_iss_parameter_supported") is True

    async def _is_our_issuer(self, issuer: str) -> bool:
        if issuer == self.issuer:
            return True
        discovered = str((await self.metadata()).get("issuer", ""))
        # Multi-tenant services publish a template, e.g. .../{tenantid}/v2.0
        pattern = re.escape(discovered).replace(r"\{tenantid\}", "[^/]+")
        return bool(discovered) and re.fullmatch(pattern, issuer) is not None

    async def fetch_profile(
        self, tokens: TokenSet, request: AuthorizationRequest, callback: Mapping[str, str]
    ) -> dict[str, Any]:
        """ID-token claims, completed by the UserInfo endpoint when there is one."""
        claims = await self.verify_id_token(tokens.id_token, request.nonce)
        userinfo_url = await self.userinfo_url()
        if not userinfo_url:
            return claims
        userinfo = await self.get_json(userinfo_url, token=tokens.access_token)
        if identifier(userinfo.get("sub")) != identifier(claims.get("sub")):
            raise ProviderError("invalid_response", "userinfo is about another subject")
        return {**userinfo, **claims}

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        return standard_claims_profile(raw)


def standard_claims_profile(
    raw: Mapping[str, Any], *, external_id: str | None = None
) -> ExternalProfile:
    """OpenID Connect standard claims mapped onto our profile."""
    first, last = text(raw.get("given_name")), text(raw.get("family_name"))
    if not first and not last:
        first, _, last = text(raw.get("name")).partition(" ")
    email = text(raw.get("email")) or None
    return ExternalProfile(
        external_id=identifier(raw.get("sub")) if external_id is None else external_id,
        login_hint=text(raw.get("preferred_username")) or (email or "").split("@")[0],
        first_name=first,
        last_name=last,
        email=email,
        email_verified=email is not None and raw.get("email_verified") in (True, "true"),
        picture_url=text(raw.get("picture")) or None,
        profile_url=text(raw.get("profile")) or None,
        raw=dict(raw),
    )
