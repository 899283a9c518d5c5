"""A fake GitHub: the OAuth web application flow, ``/user`` and ``/user/emails``.

What it checks, as GitHub does: client credentials in the form (client_secret_post),
a redirect_uri equal to the authorize request's, single-use codes, the PKCE verifier when
the authorize request carried a challenge (GitHub accepts PKCE but does not require it),
and an ``Authorization: Bearer …`` or ``Authorization: token …`` header on the API (no
``access_token`` query parameter: GitHub removed it). Token errors come back as GitHub
sends them: HTTP 200 with ``incorrect_client_credentials``, ``bad_verification_code`` or
``redirect_uri_mismatch``. Unlinking's ``DELETE /applications/{client_id}/grant`` wants the
client's id and secret as HTTP Basic and the access token in a JSON body, and forgets the
grant with all its tokens.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from tests.support.fakes.oauth import FakeOAuthService, Grant, Response, json_response

DOCS = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/"

# The base fake's refusals, in GitHub's words.
TOKEN_ERRORS = {
    "invalid_client": (
        "incorrect_client_credentials",
        "The client_id and/or client_secret passed are incorrect.",
    ),
    "redirect": (
        "redirect_uri_mismatch",
        "The redirect_uri MUST match the registered callback URL for this application.",
    ),
    "invalid_grant": ("bad_verification_code", "The code passed is incorrect or expired."),
}

DEFAULT_EMAILS: list[dict[str, Any]] = [
    {"email": "octocat@github.com", "primary": True, "verified": True, "visibility": "private"}
]


class FakeGitHub(FakeOAuthService):
    authorize_path = "/login/oauth/authorize"
    token_path = "/login/oauth/access_token"
    profile_path = "/user"
    emails_path = "/user/emails"
    client_auth = "client_secret_post"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: what ``/user/emails`` answers; a status code instead of a list refuses the call
        self.emails: list[dict[str, Any]] | int = list(DEFAULT_EMAILS)

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: Mapping[str, str],
    ) -> Response:
        if path == self.emails_path and method == "GET":
            return self.emails_endpoint(headers)
        if path == f"/applications/{self.client_id}/grant" and method == "DELETE":
            return self.delete_grant(headers)
        return super().route(method, path, query, form, headers)

    def delete_grant(self, headers: Mapping[str, str]) -> Response:
        """ "Delete an app authorization": the client's id and secret as HTTP Basic, the
        access token in a JSON body; the grant and all its tokens go (204)."""
        if self.failure == "revoke_503":
            return Response(503, b"<html>Service Unavailable</html>", "text/html")
        if not self.authenticated_client({}, headers, basic=True):
            return json_response({"message": "Not Found", "status": "404"}, 404)
        body = self.json_body
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not self.forget_grant_of(token):
            return json_response({"message": "Validation Failed", "status": "422"}, 422)
        return Response(204, b"", "text/plain")

    def authenticated_client(
        self, form: dict[str, str], headers: Mapping[str, str], *, basic: bool = False
    ) -> bool:
        if not basic:
            return super().authenticated_client(form, headers)
        value = headers.get("authorization", "")
        if not value.startswith("Basic "):
            return False
        pair = base64.b64decode(value[6:]).decode(errors="replace")
        return pair == f"{self.client_id}:{self.client_secret}"

    def token(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        response = super().token(form, headers)
        if response.status < 400 or response.status >= 500:
            return response
        body = json.loads(response.body)
        kind = body.get("error", "")
        if "redirect_uri" in body.get("error_description", ""):
            kind = "redirect"
        error, description = TOKEN_ERRORS.get(kind, (kind, body.get("error_description", "")))
        # GitHub reports these with 200 OK; the body says what went wrong.
        return json_response(
            {"error": error, "error_description": description, "error_uri": DOCS}, 200
        )

    def bearer_grant(self, headers: Mapping[str, str], query: dict[str, str]) -> Grant | None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() not in {"bearer", "token"}:
            return None
        return self.tokens.get(token.strip())

    def profile_endpoint(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str]
    ) -> Response:
        response = super().profile_endpoint(query, form, headers)
        if response.status == 401:
            return bad_credentials()
        return response

    def emails_endpoint(self, headers: Mapping[str, str]) -> Response:
        grant = self.bearer_grant(headers, {})
        if grant is None:
            return bad_credentials()
        if "user:email" not in grant.scope.split() and "user" not in grant.scope.split():
            return json_response(
                {"message": "Resource not accessible by integration", "status": "403"}, 403
            )
        if isinstance(self.emails, int):
            return json_response({"message": "Forbidden", "status": str(self.emails)}, self.emails)
        return json_response(self.emails)

    def without_id(self, profile: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in profile.items() if k not in {"id", "node_id"}}


def bad_credentials() -> Response:
    return json_response(
        {
            "message": "Bad credentials",
            "documentation_url": "https://docs.github.com/rest",
            "status": "401",
        },
        401,
    )
