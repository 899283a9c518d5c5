"""A fake My World@Mail.ru platform: connect.mail.ru's /oauth/authorize and /oauth/token,
and the REST API at /platform/api (www.appsmail.ru).

What it checks: the application ID and secret key as ``client_id`` and ``client_secret``
in the token request's form (no Basic header), a ``redirect_uri`` equal to the authorize
request's, single-use codes, single-use rotating refresh tokens; at the REST API the
``app_id``, the session (``session_key``), ``secure=1`` and the "server-server" signature
``sig``, recomputed from the parameters with the secret key as the platform does. The token
answer carries the user's id as ``x_mailru_vid``; ``users.getInfo`` answers a list with
one user.

Its refusals have the platform's shape, ``{"error": {"error_code", "error_msg"}}`` with an
HTTP error status; the numbers are the fake's own (the platform's list of codes could not
be found): 100 a parameter missing, 101 an unknown application, 102 an unknown or expired
session, 104 a wrong signature. Extra ``failure`` mode: ``session_expired`` (102).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from hashlib import md5
from typing import Any

from tests.support.fakes.oauth import FakeOAuthService, Grant, Response, json_response


def platform_error(code: int, message: str, status: int = 400) -> Response:
    return json_response({"error": {"error_code": code, "error_msg": message}}, status)


def expected_sig(params: Mapping[str, str], secret_key: str) -> str:
    """The signature the platform computes for a server-server request."""
    signed = "".join(f"{key}={params[key]}" for key in sorted(params) if key != "sig")
    return md5((signed + secret_key).encode()).hexdigest()


class FakeMyMailRu(FakeOAuthService):
    authorize_path = "/oauth/authorize"
    token_path = "/oauth/token"
    profile_path = "/platform/api"
    client_auth = "client_secret_post"

    def token_response(self, access_token: str, grant: Grant) -> dict[str, Any]:
        return {
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": 86400,
            "refresh_token": secrets.token_urlsafe(24),
            "x_mailru_vid": self.user_id_of(grant),
        }

    def profile_endpoint(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str]
    ) -> Response:
        if self.failure in {"profile_slow", "profile_500", "profile_malformed"}:
            return super().profile_endpoint(query, form, headers)
        params = {**query, **form}
        if not all(params.get(key) for key in ("app_id", "method", "session_key", "sig")):
            return platform_error(100, "One of the parameters specified was missing")
        if params["app_id"] != self.client_id:
            return platform_error(101, "Application is unknown")
        if params.get("secure") != "1":
            return platform_error(104, "Signature is invalid: secure=1 expected")
        grant = self.tokens.get(params["session_key"])
        if grant is None or self.failure == "session_expired":
            return platform_error(102, "Session key is invalid or expired", 401)
        if not secrets.compare_digest(params["sig"], expected_sig(params, self.client_secret)):
            return platform_error(104, "Signature is invalid")
        if params["method"] != "users.getInfo":
            return platform_error(3, "Unknown method called")
        profile = dict(self.user_profile)
        if self.failure == "profile_no_id":
            profile = self.without_id(profile)
        return json_response([profile])
