"""A fake T-ID (id.tbank.ru): /auth/authorize, /auth/token, /userinfo/userinfo and
/auth/revoke.

The client authenticates with HTTP Basic at /auth/token and /auth/revoke (a secret in the
form is refused there); the code is single use and bound to the redirect_uri and, when the
authorize request carried a code_challenge, to the PKCE verifier. The callback carries
T-ID's ``session_state`` besides the code and state. /userinfo/userinfo answers only a POST
with the bearer token in the header and the client's id and secret in the form.
/auth/revoke (RFC 7009) forgets the token it is given; a refresh token takes its whole
grant (its access tokens) with it. ``revoked`` lists what was revoked.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from tests.support.fakes.oauth import (
    FakeOAuthService,
    Grant,
    Response,
    json_response,
    oauth_error,
)


class FakeTID(FakeOAuthService):
    authorize_path = "/auth/authorize"
    token_path = "/auth/token"
    profile_path = "/userinfo/userinfo"
    revoke_path = "/auth/revoke"
    client_auth = "client_secret_basic"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.revoked: list[tuple[str, str]] = []  # (token, token_type_hint)

    def endpoints(self) -> dict[str, str]:
        return {**super().endpoints(), "revocation_url": self.url(self.revoke_path)}

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: Mapping[str, str],
    ) -> Response:
        if path == self.revoke_path and method == "POST":
            return self.revoke(form, headers)
        if path == self.profile_path and method != "POST":
            return Response(405, b"method not allowed", "text/plain")
        return super().route(method, path, query, form, headers)

    def authorize_result(self, code: str, query: dict[str, str]) -> dict[str, str]:
        return {"code": code, "session_state": secrets.token_urlsafe(32)}

    def token_response(self, access_token: str, grant: Grant) -> dict[str, Any]:
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 1791,
            "refresh_token": secrets.token_urlsafe(48),
            "id_token": secrets.token_urlsafe(32),  # "a technical parameter of T-ID"
        }

    def bearer_grant(self, headers: Mapping[str, str], query: dict[str, str]) -> Grant | None:
        value = headers.get("authorization", "")
        return self.tokens.get(value[7:]) if value.startswith("Bearer ") else None

    def check_profile_request(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str], grant: Grant
    ) -> str | None:
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return "invalid_client"
        return None

    def revoke(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        if not self.authenticated_client(form, headers):
            return oauth_error("invalid_client", "client authentication failed", 401)
        token = form.get("token", "")
        if not token:
            return oauth_error("invalid_request", "token is required")
        with self.lock:
            self.revoked.append((token, form.get("token_type_hint", "")))
            grant = self.refresh_tokens.pop(token, None)
            if grant is not None:  # the whole grant ends
                for access_token, owner in list(self.tokens.items()):
                    if owner is grant:
                        del self.tokens[access_token]
            self.tokens.pop(token, None)
        return json_response({})
