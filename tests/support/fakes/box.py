"""A fake Box: account.box.com's authorize page, api.box.com's /oauth2/token,
/oauth2/revoke and /2.0/users/me.

What it checks, as Box documents it: the client's ``client_id`` and ``client_secret`` in
the form at /oauth2/token and /oauth2/revoke (a Basic header is refused), single-use codes
and single-use, rotating refresh tokens, and the bearer token in an ``Authorization``
header at /2.0/users/me. Box's token endpoint takes no ``redirect_uri``, so it checks
none. A revoked token (access or refresh) takes its whole grant with it: neither the
access token nor the refresh token of that pair works afterwards.

Its refusals are Box's: ``{"error", "error_description"}`` with HTTP 400 at the token and
revocation endpoints; HTTP 401 with an empty body and a ``WWW-Authenticate`` header for a
bad token at the API.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from tests.support.fakes.oauth import (
    FakeOAuthService,
    Grant,
    Response,
    oauth_error,
)

INVALID_TOKEN = (
    'Bearer realm="Service", error="invalid_token", '
    'error_description="The access token provided is invalid."'
)


class FakeBox(FakeOAuthService):
    authorize_path = "/api/oauth2/authorize"
    token_path = "/oauth2/token"
    profile_path = "/2.0/users/me"
    revoke_path = "/oauth2/revoke"
    client_auth = "client_secret_post"

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
            return self.box_revoke(form, headers)
        return super().route(method, path, query, form, headers)

    def token(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        # Box's token endpoint has no redirect_uri parameter: whatever is sent is ignored.
        grant = self.grants.get(form.get("code", ""))
        if grant is not None:
            form = {**form, "redirect_uri": grant.redirect_uri}
        response = super().token(form, headers)
        if response.status == 401:  # Box answers a bad client with 400
            return oauth_error("invalid_client", "The client credentials are invalid")
        return response

    def token_response(self, access_token: str, grant: Grant) -> dict[str, Any]:
        return {
            "access_token": access_token,
            "expires_in": 3600,
            "restricted_to": [],
            "refresh_token": secrets.token_urlsafe(48),
            "token_type": "bearer",
        }

    def box_revoke(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        if not self.authenticated_client(form, headers):
            return oauth_error("invalid_client", "The client credentials are not valid")
        token = form.get("token", "")
        with self.lock:
            grant = self.tokens.get(token) or self.refresh_tokens.get(token)
            if grant is not None and grant.client_id == self.client_id:
                for issued in (self.tokens, self.refresh_tokens):
                    for key in [key for key, value in issued.items() if value is grant]:
                        del issued[key]
        return Response(200, b"", "text/plain")  # an empty answer, as Box documents

    def bearer_grant(self, headers: Mapping[str, str], query: dict[str, str]) -> Grant | None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        return self.tokens.get(token) if scheme.lower() == "bearer" else None

    def profile_endpoint(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str]
    ) -> Response:
        response = super().profile_endpoint(query, form, headers)
        if response.status == 401:
            return Response(401, b"", "text/plain", {"WWW-Authenticate": INVALID_TOKEN})
        return response

    def without_id(self, profile: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in profile.items() if k != "id"}
