"""A fake Dropbox: ``/oauth2/authorize``, ``/oauth2/token`` and the RPC endpoints
``/2/users/get_current_account`` and ``/2/auth/token/revoke``.

What it checks, as Dropbox documents it: the app key and secret at the token endpoint, in
an HTTP Basic header or in the form (Dropbox takes either; a request with neither, or a
wrong secret, is refused); single-use codes bound to the redirect_uri and, when a
challenge was sent, to the PKCE verifier. A refresh token is issued only when the
authorize request asked for ``token_access_type=offline``; it is not rotated (a refresh
answers a new access token alone), as Dropbox's are not. The RPC endpoints take POST only,
a bearer token, and no argument: an empty body, or the JSON ``null`` sent as
``application/json``; anything else is refused with HTTP 400 and a plain-text message.
Auth errors come as Dropbox's ``{"error_summary": …, "error": {".tag": …}}`` with HTTP 401
(``invalid_access_token``, ``expired_access_token``).

The profile is given flat (``given_name``, ``surname``, ``display_name`` beside the rest)
and answered in Dropbox's shape, the names under ``name``. ``auth/token/revoke`` forgets
the access token and everything of its grant (its other access tokens, its refresh token).
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from tests.support.fakes.oauth import (
    FakeOAuthService,
    Grant,
    Response,
    json_response,
    oauth_error,
)

NAME_KEYS = ("given_name", "surname", "familiar_name", "display_name", "abbreviated_name")


def auth_error(tag: str) -> Response:
    return json_response({"error_summary": f"{tag}/..", "error": {".tag": tag}}, 401)


class FakeDropbox(FakeOAuthService):
    authorize_path = "/oauth2/authorize"
    token_path = "/oauth2/token"
    profile_path = "/2/users/get_current_account"
    revocation_path = "/2/auth/token/revoke"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.offline_grants: list[Grant] = []  # those whose authorize request said offline

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: Mapping[str, str],
    ) -> Response:
        if path in (self.profile_path, self.revocation_path):
            function = path.removeprefix("/2/")
            if method != "POST":
                return Response(405, b"Method not allowed", "text/plain")
            problem = self.argument_problem(headers, function)
            if problem is not None:
                return problem
        return super().route(method, path, query, form, headers)

    # -- the token endpoint

    def authenticated_client(self, form: dict[str, str], headers: Mapping[str, str]) -> bool:
        value = headers.get("authorization", "")
        if value.startswith("Basic "):
            user, _, password = base64.b64decode(value[6:]).decode().partition(":")
            pair = (unquote(user), unquote(password))
        else:
            pair = (form.get("client_id", ""), form.get("client_secret", ""))
        return pair == (self.client_id, self.client_secret)

    def authorize_result(self, code: str, query: dict[str, str]) -> dict[str, str]:
        if query.get("token_access_type") == "offline":
            self.offline_grants.append(self.grants[code])
        return {"code": code}

    def token_response(self, access_token: str, grant: Grant) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": 14400,
            "scope": grant.scope,
            "account_id": self.user_profile.get("account_id"),
            "uid": "12345",
        }
        if any(offline is grant for offline in self.offline_grants):
            body["refresh_token"] = secrets.token_urlsafe(48)
        return body

    def refresh(self, form: dict[str, str]) -> Response:
        """A new access token for the same, long-lived refresh token."""
        with self.lock:
            self.refresh_attempts += 1
            grant = self.refresh_tokens.get(form.get("refresh_token", ""))
            if self.failure == "invalid_grant" or grant is None:
                return oauth_error("invalid_grant", "refresh token is invalid or revoked")
            access_token = secrets.token_urlsafe(24)
            self.tokens[access_token] = grant
            self.refreshes += 1
        return json_response(
            {"access_token": access_token, "token_type": "bearer", "expires_in": 14400}
        )

    # -- the RPC endpoints

    def argument_problem(self, headers: Mapping[str, str], function: str) -> Response | None:
        """Dropbox's refusal of an argument for an endpoint that takes none."""
        body = self.request_body
        content_type = headers.get("content-type", "").partition(";")[0].strip()
        if not body and not content_type:
            return None
        if content_type != "application/json":
            reason = f'Bad HTTP "Content-Type" header: {content_type!r}.'
        elif self.json_body is None and body.strip() != b"null":
            reason = "request body: could not decode input as JSON"
        elif self.json_body is not None:
            reason = "request body: expected null, got value"
        else:
            return None
        message = f'Error in call to API function "{function}": {reason}'
        return Response(400, message.encode(), "text/plain; charset=utf-8")

    def bearer_grant(self, headers: Mapping[str, str], query: dict[str, str]) -> Grant | None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        return self.tokens.get(token) if scheme.lower() == "bearer" else None

    def profile_endpoint(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str]
    ) -> Response:
        response = super().profile_endpoint(query, form, headers)
        if response.status == 401:
            return auth_error(self.refused_as(headers))
        return response

    def refused_as(self, headers: Mapping[str, str]) -> str:
        token = headers.get("authorization", "").partition(" ")[2]
        if not token:
            return "missing_auth"  # not reached by a provider: it always sends one
        expired = self.token_state(token) == "expired"
        return "expired_access_token" if expired else "invalid_access_token"

    def profile(self, profile: dict[str, Any], grant: Grant) -> Any:
        answer = {k: v for k, v in profile.items() if k not in NAME_KEYS}
        answer["name"] = {k: profile[k] for k in NAME_KEYS if k in profile}
        return answer

    def without_id(self, profile: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in profile.items() if k != "account_id"}

    def revoke(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        """``auth/token/revoke``: the bearer token is the one revoked, with its grant."""
        token = headers.get("authorization", "").partition(" ")[2]
        if self.bearer_grant(headers, {}) is None or not self.forget_grant_of(token):
            return auth_error(self.refused_as(headers))
        return Response(200, json.dumps(None).encode())
