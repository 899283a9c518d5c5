"""A fake Sign in with Apple: form_post callbacks and a client secret that is a signed JWT.

Like Apple it checks the client secret's ES256 signature against the public half of the
team's key, its ``kid``, ``iss`` (team), ``sub`` (Services ID), ``aud`` and lifetime, and
answers ``invalid_client`` (HTTP 400) when any is wrong; it insists on ``form_post`` when
``name`` or ``email`` is asked for, posts ``user`` on a user's first authorization only,
and has no UserInfo endpoint: the ``profile_*`` failures hit its key set instead.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from tests.support.fakes.oauth import SLOW_SECONDS, Grant, Response, json_response
from tests.support.fakes.openid import FakeOpenIDProvider

MAX_SECRET_LIFETIME = 15_777_000  # six months, as Apple documents


class FakeApple(FakeOpenIDProvider):
    authorize_path = "/auth/authorize"
    token_path = "/auth/token"
    profile_path = "/auth/keys"  # Apple's JWKS: there is no UserInfo endpoint
    revocation_path = "/auth/revoke"  # RFC 7009, the client secret as at /auth/token
    client_auth = "client_secret_post"

    def __init__(self, *, team_id: str, key_id: str, **kwargs: Any) -> None:
        # ``client_secret`` is the team's private key (PEM); Apple keeps only its public half.
        super().__init__(**kwargs)
        self.team_id = team_id
        self.key_id = key_id
        self.public_key = ECKey.import_key(
            ECKey.import_key(self.client_secret).as_dict(private=False)
        )
        self.authorized_users: set[str] = set()

    @property
    def user(self) -> dict[str, Any]:
        return dict(self.user_profile.get("user") or {})

    def endpoints(self) -> dict[str, str]:
        return {
            "issuer": self.issuer,
            "authorize_url": self.url(self.authorize_path),
            "token_url": self.url(self.token_path),
            "api_url": self.url(self.profile_path),
            "revocation_url": self.url(self.revocation_path),
        }

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: Mapping[str, str],
    ) -> Response:
        if path == self.profile_path and method == "GET":
            return self.keys_endpoint()
        return super().route(method, path, query, form, headers)

    def keys_endpoint(self) -> Response:
        if self.failure == "profile_slow":
            time.sleep(SLOW_SECONDS)
        if self.failure == "profile_500":
            return Response(500, b"<html>oops</html>", "text/html")
        if self.failure == "profile_malformed":
            return Response(200, b"<html>not json</html>", "text/html")
        return json_response({"keys": [self.signing_key.as_dict(private=False)]})

    # -- authorize: form_post with name/email, ``user`` on the first authorization only

    def authorize(self, query: dict[str, str]) -> Response:
        scopes = set(query.get("scope", "").split())
        if scopes & {"name", "email"} and query.get("response_mode") != "form_post":
            return Response(
                400,
                b"invalid_request: response_mode must be form_post when name or email "
                b"scope is requested",
                "text/plain",
            )
        return super().authorize(query)

    def authorize_result(self, code: str, query: dict[str, str]) -> dict[str, str]:
        result = {"code": code}
        sub = str(self.user_profile.get("sub", ""))
        scopes = set(query.get("scope", "").split())
        if sub not in self.authorized_users:
            user: dict[str, Any] = {}
            if "name" in scopes and "name" in self.user:
                user["name"] = self.user["name"]
            if "email" in scopes and "email" in self.user:
                user["email"] = self.user["email"]
            if user:
                result["user"] = json.dumps(user, ensure_ascii=False)
        self.authorized_users.add(sub)
        return result

    def return_to_client(self, query: dict[str, str], params: dict[str, str]) -> Response:
        if params.get("error") == "access_denied":  # Apple's word for "the user said no"
            params = {**params, "error": "user_cancelled_authorize"}
            params.pop("error_description", None)
        return super().return_to_client(query, params)

    # -- token: the client secret is an ES256 JWT made by the team

    def authenticated_client(self, form: dict[str, str], headers: Mapping[str, str]) -> bool:
        if form.get("client_id") != self.client_id or "authorization" in headers:
            return False
        try:
            token = jwt.decode(form.get("client_secret", ""), self.public_key, algorithms=["ES256"])
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": self.team_id},
                sub={"essential": True, "value": self.client_id},
                aud={"essential": True, "value": self.issuer},
                exp={"essential": True},
                iat={"essential": True},
            ).validate(token.claims)
        except (JoseError, ValueError, TypeError):
            return False
        lifetime = int(token.claims["exp"]) - int(token.claims["iat"])
        return token.header.get("kid") == self.key_id and 0 < lifetime <= MAX_SECRET_LIFETIME

    def token(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        response = super().token(form, headers)
        if response.status == 401:  # Apple answers every refusal with HTTP 400
            response = Response(400, json.dumps({"error": "invalid_client"}).encode())
        return response

    def token_response(self, access_token: str, grant: Grant) -> dict[str, Any]:
        body = super().token_response(access_token, grant)
        body.pop("scope", None)  # Apple's TokenResponse has no scope
        return body

    def id_token_claims(self, grant: Grant) -> dict[str, Any]:
        claims = super().id_token_claims(grant)
        claims.pop("user", None)  # posted through the browser, never in the ID token
        claims["auth_time"] = claims["iat"]
        claims["nonce_supported"] = True
        return claims
