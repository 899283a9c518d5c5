"""A fake Bitrix24.Net: /oauth/authorize/, /oauth/token/ and the REST methods /rest/profile
and /rest/profile.revoke, as the original module calls them.

What it checks: the client's ``client_id`` and ``client_secret`` among the token
endpoint's parameters (the query string of a GET, as the module sends them; a form POST is
taken too) and no ``Authorization`` header, a ``redirect_uri`` equal to the authorize
request's, single-use codes, single-use rotating refresh tokens, the ``auth`` scope asked
for at the authorize endpoint, and the access token as the ``auth`` parameter of a REST
call (a bearer header does not count). ``profile.revoke`` forgets the grant: its access
and refresh tokens stop working.

Its refusals have Bitrix's OAuth shape, ``{"error", "error_description"}``: HTTP 400 from
the token endpoint, HTTP 401 ``invalid_token`` / ``expired_token`` from the REST methods.
Extra ``failure`` mode: ``token_expired`` (the REST methods say ``expired_token``).
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

REVOKE_PATH = "/rest/profile.revoke"


def rest_error(error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, 401)


class FakeBitrix24Net(FakeOAuthService):
    authorize_path = "/oauth/authorize/"
    token_path = "/oauth/token/"
    profile_path = "/rest/profile"
    client_auth = "client_secret_post"

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: Mapping[str, str],
    ) -> Response:
        if path == self.token_path and method == "GET":
            return self.token(query, headers)
        if path == REVOKE_PATH and method == "POST":
            return self.rest_revoke(form)
        if path == self.profile_path and method != "POST":
            return Response(405, b"", "text/plain")
        return super().route(method, path, query, form, headers)

    def authorize(self, query: dict[str, str]) -> Response:
        if "auth" not in query.get("scope", "").split(","):
            return Response(400, b"the auth scope is required", "text/plain")
        return super().authorize(query)

    def token(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        response = super().token(form, headers)
        if response.status == 401:  # a wrong client, in the token endpoint's own status
            return oauth_error("invalid_client", "Invalid client")
        return response

    def refresh(self, form: dict[str, str]) -> Response:
        # the module sends its whole scope list again: that is the grant's, not a narrowing
        return super().refresh({k: v for k, v in form.items() if k != "scope"})

    def token_response(self, access_token: str, grant: Grant) -> dict[str, Any]:
        return {
            "access_token": access_token,
            "expires_in": 3600,
            "scope": grant.scope,
            "refresh_token": secrets.token_urlsafe(24),
        }

    def bearer_grant(self, headers: Mapping[str, str], query: dict[str, str]) -> Grant | None:
        return self.tokens.get(query.get("auth", ""))

    def profile_endpoint(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str]
    ) -> Response:
        if self.failure == "token_expired" and self.bearer_grant(headers, form):
            return rest_error("expired_token", "The access token provided has expired.")
        response = super().profile_endpoint({}, form, headers)  # ``auth`` in the body only
        if response.status == 401:
            return rest_error("invalid_token", "The access token provided is invalid.")
        return response

    def profile(self, profile: dict[str, Any], grant: Grant) -> Any:
        return {"result": profile}

    def without_id(self, profile: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in profile.items() if k != "ID"}

    def rest_revoke(self, form: dict[str, str]) -> Response:
        with self.lock:
            grant = self.tokens.get(form.get("auth", ""))
            if grant is None:
                return rest_error("invalid_token", "The access token provided is invalid.")
            for issued in (self.tokens, self.refresh_tokens):
                for key in [key for key, value in issued.items() if value is grant]:
                    del issued[key]
        return json_response({"result": True})
