"""A fake X: OAuth 2.0 authorization code with PKCE, and ``GET /2/users/me``.

What it checks, as X does: PKCE with S256 is required (an authorize request without it is
refused, and the verifier must match); a confidential client authenticates with HTTP Basic
*and* names its ``client_id`` in the form; the redirect_uri must equal the authorize
request's; codes are single use. Refusals use X's words: ``unauthorized_client`` "Missing
valid authorization header" (401) for bad credentials, ``invalid_request`` "Value passed
for the authorization code was invalid." and the like for a bad grant. ``/2/users/me``
wants a bearer token, answers ``{"data": {...}}`` and adds ``profile_image_url`` only when
``user.fields`` asks for it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tests.unit.providers.fakes.oauth import FakeOAuthService, Grant, Response, json_response

DEFAULT_FIELDS = {"id", "name", "username"}


class FakeTwitter(FakeOAuthService):
    authorize_path = "/i/oauth2/authorize"
    token_path = "/2/oauth2/token"
    profile_path = "/2/users/me"
    client_auth = "client_secret_basic"
    require_pkce = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fields_asked = ""

    def token(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        if not form.get("client_id"):
            return x_error("invalid_request", "Missing required parameter [client_id].")
        response = super().token(form, headers)
        if response.status < 400 or response.status >= 500:
            return response
        body = json.loads(response.body)
        description = body.get("error_description", "")
        if body.get("error") == "invalid_client":
            return x_error("unauthorized_client", "Missing valid authorization header", 401)
        if "redirect_uri" in description:
            return x_error(
                "invalid_request",
                "Value passed for the redirect uri did not match the uri of the authorization code.",
            )
        if "PKCE" in description:
            return x_error(
                "invalid_request",
                "Value passed for the code verifier did not match the code challenge.",
            )
        return x_error("invalid_request", "Value passed for the authorization code was invalid.")

    def authenticated_client(self, form: dict[str, str], headers: Mapping[str, str]) -> bool:
        # X wants the client_id in the form as well as in the Basic credentials.
        return super().authenticated_client(form, headers) and form["client_id"] == self.client_id

    def token_response(self, access_token: str, grant: Grant) -> dict[str, Any]:
        body = super().token_response(access_token, grant)
        body.update(token_type="bearer", expires_in=7200)
        if "offline.access" not in grant.scope.split():
            body.pop("refresh_token")
        return body

    def bearer_grant(self, headers: Mapping[str, str], query: dict[str, str]) -> Grant | None:
        value = headers.get("authorization", "")
        return self.tokens.get(value[7:]) if value.startswith("Bearer ") else None

    def profile_endpoint(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str]
    ) -> Response:
        self.fields_asked = query.get("user.fields", "")
        response = super().profile_endpoint(query, form, headers)
        if response.status == 401:
            return json_response(
                {
                    "title": "Unauthorized",
                    "type": "about:blank",
                    "status": 401,
                    "detail": "Unauthorized",
                },
                401,
            )
        return response

    def profile(self, profile: dict[str, Any], grant: Grant) -> Any:
        asked = DEFAULT_FIELDS | {f for f in self.fields_asked.split(",") if f}
        if "data" not in profile:
            return profile
        return {**profile, "data": {k: v for k, v in profile["data"].items() if k in asked}}

    def without_id(self, profile: dict[str, Any]) -> dict[str, Any]:
        data = {k: v for k, v in profile.get("data", {}).items() if k != "id"}
        return {**profile, "data": data}


def x_error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status)
