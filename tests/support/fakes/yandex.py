"""A fake Yandex ID: oauth.yandex.ru (/authorize, /token) and login.yandex.ru (/info).

Like Yandex it wants the client's credentials in an HTTP Basic header at the token endpoint
and the access token in an ``Authorization: OAuth <token>`` header at /info (``Bearer`` is
refused with 401). Its token endpoint takes no ``redirect_uri`` and so checks none; the code
is bound to the PKCE verifier instead when the authorize request carried a code_challenge.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from tests.support.fakes.oauth import FakeOAuthService, Grant, Response


class FakeYandex(FakeOAuthService):
    authorize_path = "/authorize"
    token_path = "/token"
    profile_path = "/info"
    client_auth = "client_secret_basic"

    def endpoints(self) -> dict[str, str]:
        return {**super().endpoints(), "api_url": self.url("/info?format=json")}

    def token(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        # Yandex's token endpoint has no redirect_uri parameter: whatever is sent is ignored.
        grant = self.grants.get(form.get("code", ""))
        if grant is not None:
            form = {**form, "redirect_uri": grant.redirect_uri}
        return super().token(form, headers)

    def token_response(self, access_token: str, grant: Grant) -> dict[str, Any]:
        return {
            "token_type": "bearer",
            "access_token": access_token,
            "expires_in": 31536000,
            "refresh_token": secrets.token_urlsafe(24),
        }

    def bearer_grant(self, headers: Mapping[str, str], query: dict[str, str]) -> Grant | None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        return self.tokens.get(token) if scheme == "OAuth" else None

    def profile_endpoint(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str]
    ) -> Response:
        response = super().profile_endpoint(query, form, headers)
        if response.status == 401:  # what login.yandex.ru says to a missing or bad token
            return Response(401, b"Not authorized", "text/plain")
        return response

    def profile(self, profile: dict[str, Any], grant: Grant) -> Any:
        # login.yandex.ru always tells which application the token belongs to
        return {**profile, "client_id": grant.client_id}
