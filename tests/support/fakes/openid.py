"""A fake OpenID Connect provider: discovery, JWKS, signed ID tokens, UserInfo."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.support.fakes.oauth import FakeOAuthService, Grant, Response, json_response

# Generating RSA keys is slow; one for every fake in the run is enough.
SIGNING_KEY = RSAKey.generate_key(2048, parameters={"kid": "fake-1", "use": "sig"})


class FakeOpenIDProvider(FakeOAuthService):
    profile_path = "/userinfo"
    client_auth = "client_secret_basic"
    #: ``failure`` values of its own: a forged signature, another audience or nonce
    id_token_failures = (
        "id_token_bad_signature",
        "id_token_wrong_audience",
        "id_token_wrong_nonce",
        "id_token_expired",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.signing_key = SIGNING_KEY
        self.issuer_suffix = ""  # "/" for issuers that end with a slash (Auth0)
        self.extra_claims: dict[str, Any] = {}
        #: RFC 9207: advertise ``authorization_response_iss_parameter_supported`` and put
        #: ``iss`` in every authorization response, as Keycloak and others do
        self.iss_parameter = False

    @property
    def issuer(self) -> str:
        return self.base_url + self.issuer_suffix

    def rotate_keys(self) -> None:
        """A new signing key with a new key id, as issuers do from time to time."""
        self.signing_key = RSAKey.generate_key(2048, parameters={"kid": "fake-2", "use": "sig"})

    def endpoints(self) -> dict[str, str]:
        """Only the issuer: everything else must come from discovery."""
        return {"issuer": self.issuer}

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: Mapping[str, str],
    ) -> Response:
        if path == "/.well-known/openid-configuration":
            return json_response(self.discovery())
        if path == "/jwks":
            return json_response({"keys": [self.signing_key.as_dict(private=False)]})
        return super().route(method, path, query, form, headers)

    def discovery(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "issuer": self.issuer,
            "authorization_endpoint": self.url(self.authorize_path),
            "token_endpoint": self.url(self.token_path),
            "userinfo_endpoint": self.url(self.profile_path),
            "jwks_uri": self.url("/jwks"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }
        if self.iss_parameter:
            document["authorization_response_iss_parameter_supported"] = True
        if self.revocation_path:
            document["revocation_endpoint"] = self.url(self.revocation_path)
        return document

    def return_to_client(self, query: dict[str, str], params: dict[str, str]) -> Response:
        if self.iss_parameter:  # answers and errors alike (RFC 9207, section 2)
            params = {**params, "iss": self.issuer}
        return super().return_to_client(query, params)

    def id_token_claims(self, grant: Grant) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": str(self.user_profile.get("sub", "")),
            "aud": self.client_id,
            "iat": now,
            "exp": now + 600,
            "nonce": grant.nonce,
        }
        claims.update({k: v for k, v in self.user_profile.items() if k != "sub"})
        claims.update(self.extra_claims)
        if self.failure == "profile_no_id":
            claims.pop("sub")
        if self.failure == "id_token_wrong_audience":
            claims["aud"] = "somebody-else"
        if self.failure == "id_token_wrong_nonce":
            claims["nonce"] = "replayed"
        if self.failure == "id_token_expired":
            claims["exp"] = now - 3600
        return claims

    def sign(self, claims: dict[str, Any]) -> str:
        key = self.signing_key
        if self.failure == "id_token_bad_signature":
            key = RSAKey.generate_key(2048, parameters={"kid": self.signing_key.kid})
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def token_response(self, access_token: str, grant: Grant) -> dict[str, Any]:
        body = super().token_response(access_token, grant)
        body["id_token"] = self.sign(self.id_token_claims(grant))
        return body
