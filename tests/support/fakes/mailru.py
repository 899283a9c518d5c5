"""A fake OAuth Mail (oauth.mail.ru): /login, /token and /userinfo.

The client authenticates at /token with HTTP Basic; the code is single-use, bound to the
redirect_uri of the authorize request and, when a code_challenge was sent, to the PKCE
verifier. /userinfo takes the token as the ``access_token`` query parameter and answers a bad
or missing one with OAuth Mail's ``{"error": "invalid_token", ...}``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from tests.support.fakes.oauth import FakeOAuthService, Grant, Response, json_response


class FakeMailRu(FakeOAuthService):
    authorize_path = "/login"
    token_path = "/token"
    profile_path = "/userinfo"
    client_auth = "client_secret_basic"

    def token_response(self, access_token: str, grant: Grant) -> dict[str, Any]:
        return {
            "access_token": access_token,
            "refresh_token": secrets.token_urlsafe(24),
            "expires_in": 3600,
        }

    def bearer_grant(self, headers: Mapping[str, str], query: dict[str, str]) -> Grant | None:
        return self.tokens.get(query.get("access_token", ""))

    def profile_endpoint(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str]
    ) -> Response:
        # the token belongs in the query string; a header or a form body does not count
        response = super().profile_endpoint(query, {}, headers)
        if response.status == 401:
            return json_response(
                {"error": "invalid_token", "error_description": "token not found"}, 401
            )
        return response

    def profile(self, profile: dict[str, Any], grant: Grant) -> Any:
        return {**profile, "client_id": grant.client_id}
