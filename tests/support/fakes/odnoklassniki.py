"""A fake OK.ru: OAuth at /oauth/authorize and /oauth/token.do, the REST API at /fb.do.

The REST API checks what OK checks: the ``application_key`` (public key) of the application,
the user's session (``access_token``) and the request signature ``sig``, recomputed from the
parameters exactly as OK does. Failures come back as OK sends them: HTTP 200 with
``{"error_code": ..., "error_msg": ..., "error_data": null}``.

``get_email`` says whether the application has been granted GET_EMAIL; without it the e-mail
is not in the profile even when asked for in ``fields``.

Extra ``failure`` modes: ``session_expired`` (error 102 on the profile call). A token that
has expired (``expire``, or past its lifetime) gets error 102 too, as OK answers a session
that ended: the client is to refresh it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from hashlib import md5
from typing import Any

from tests.support.fakes.oauth import FakeOAuthService, Grant, Response, json_response

APPLICATION_KEY = "CBAJLNABCDEFGABCD"


def ok_error(code: int, message: str) -> Response:
    return json_response({"error_code": code, "error_msg": message, "error_data": None})


def expected_sig(params: Mapping[str, str], secret_key: str) -> str:
    """The signature OK computes for a request in a user's session."""
    session_secret = md5((params["access_token"] + secret_key).encode()).hexdigest()
    signed = "".join(
        f"{key}={params[key]}"
        for key in sorted(params)
        if key not in {"access_token", "session_key", "sig"}
    )
    return md5((signed + session_secret).encode()).hexdigest()


class FakeOdnoklassniki(FakeOAuthService):
    authorize_path = "/oauth/authorize"
    token_path = "/oauth/token.do"
    profile_path = "/fb.do"
    client_auth = "client_secret_post"

    def __init__(
        self, *, application_key: str = APPLICATION_KEY, get_email: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.application_key = application_key
        self.get_email = get_email

    def token_response(self, access_token: str, grant: Grant) -> dict[str, Any]:
        # OK's answer: a "session" token, expires_in as a string, no scope echoed
        return {
            "access_token": access_token,
            "token_type": "session",
            "refresh_token": secrets.token_urlsafe(24),
            "expires_in": "1800",
        }

    def profile_endpoint(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str]
    ) -> Response:
        if self.failure in {"profile_slow", "profile_500", "profile_malformed"}:
            return super().profile_endpoint(query, form, headers)
        params = {**query, **form}
        if params.get("application_key") != self.application_key:
            return ok_error(101, "PARAM_API_KEY : Application key is invalid")
        if not params.get("sig"):
            return ok_error(100, "PARAM : Missing required parameter sig")
        access_token = params.get("access_token", "")
        grant = self.tokens.get(access_token)
        if grant is None and self.token_state(access_token) == "expired":
            return ok_error(102, "PARAM_SESSION_EXPIRED : Session expired")
        if grant is None:
            return ok_error(103, "PARAM_SESSION_KEY : Invalid session key")
        if self.failure == "session_expired":
            return ok_error(102, "PARAM_SESSION_EXPIRED : Session expired")
        if not secrets.compare_digest(params["sig"], expected_sig(params, self.client_secret)):
            return ok_error(104, "PARAM_SIGNATURE : Invalid signature")
        if params.get("method") != "users.getCurrentUser":
            return ok_error(3, "METHOD : Method not found")
        profile = dict(self.user_profile)
        if self.failure == "profile_no_id":
            profile = self.without_id(profile)
        return json_response(self.profile(profile, grant, params.get("fields", "")))

    def profile(self, profile: dict[str, Any], grant: Grant, fields: str = "") -> Any:
        wanted = {f.strip().lower() for f in fields.split(",") if f.strip()}
        if wanted:
            profile = {k: v for k, v in profile.items() if k.lower() in wanted}
        if not self.get_email:
            profile.pop("email", None)
        return profile
