"""A fake Zoom: ``/oauth/authorize``, ``/oauth/token``, ``/oauth/revoke`` and the API's
``/v2/users/me``.

What it checks, as Zoom documents it: the client authenticates at the token and revoke
endpoints with HTTP Basic only (credentials in the form are refused), the code is single
use and bound to the authorize request's redirect_uri and, when a challenge was sent, to
the PKCE verifier; refresh tokens are single use and rotate. The API takes the token as
``Authorization: Bearer`` only. Errors come in Zoom's shapes: token and revoke errors as
``{"reason": …, "error": …}``, API errors as ``{"code": 124, "message": …}``.

``/oauth/revoke`` takes an access token, forgets it and everything of its grant (the
other access tokens and the refresh tokens), answers ``{"status": "success"}``, and
refuses a token it does not know.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tests.support.fakes.oauth import FakeOAuthService, Grant, Response, json_response

INVALID_TOKEN = {"code": 124, "message": "Invalid access token."}


def zoom_error(error: str, reason: str, status: int = 400) -> Response:
    return json_response({"reason": reason, "error": error}, status)


class FakeZoom(FakeOAuthService):
    authorize_path = "/oauth/authorize"
    token_path = "/oauth/token"
    profile_path = "/v2/users/me"
    revocation_path = "/oauth/revoke"
    client_auth = "client_secret_basic"

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: Mapping[str, str],
    ) -> Response:
        if path == self.profile_path and method != "GET":
            return json_response({"code": 405, "message": "Method not allowed."}, 405)
        return super().route(method, path, query, form, headers)

    def token(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        response = super().token(form, headers)
        if not 400 <= response.status < 500:
            return response
        body = json.loads(response.body)
        if body.get("error") == "invalid_client":
            return zoom_error("invalid_client", "Invalid client_id or client_secret", 401)
        return zoom_error(body.get("error", ""), body.get("error_description", ""))

    def token_response(self, access_token: str, grant: Grant) -> dict[str, Any]:
        return {**super().token_response(access_token, grant), "expires_in": 3599}

    def bearer_grant(self, headers: Mapping[str, str], query: dict[str, str]) -> Grant | None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        return self.tokens.get(token) if scheme.lower() == "bearer" else None

    def profile_endpoint(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str]
    ) -> Response:
        response = super().profile_endpoint(query, form, headers)
        return json_response(INVALID_TOKEN, 401) if response.status == 401 else response

    def revoke(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        if not self.authenticated_client(form, headers):
            return zoom_error("invalid_client", "Invalid client_id or client_secret", 401)
        token = form.get("token", "")
        if token not in self.tokens or not self.forget_grant_of(token):  # access tokens only
            return zoom_error("invalid_request", "Invalid Token!")
        return json_response({"status": "success"})
