"""A fake VK ID (id.vk.com): /authorize, /oauth2/auth and /oauth2/user_info.

What it checks, as VK ID does: PKCE with S256 is mandatory; the callback carries a
``device_id`` (and ``type=code_v2``) that must come back with the code at /oauth2/auth,
together with ``client_id``, ``code_verifier``, ``redirect_uri`` and a ``state``, which is
echoed in the answer. No client secret is involved. /oauth2/user_info takes a POST form with
``client_id`` and ``access_token`` and wraps the profile in ``{"user": {...}}``;
/oauth2/revoke takes the same form, withdraws the permissions and answers ``{"response": 1}``.
A refresh (``grant_type=refresh_token`` at /oauth2/auth) needs the ``device_id`` of the
sign-in that issued the refresh token, and a ``state``.

Extra ``failure`` mode: ``token_wrong_state`` (the answer echoes another state).
"""

from __future__ import annotations

import json
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


class FakeVKontakte(FakeOAuthService):
    authorize_path = "/authorize"
    token_path = "/oauth2/auth"
    profile_path = "/oauth2/user_info"
    revocation_path = "/oauth2/revoke"
    require_pkce = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.device_ids: dict[str, str] = {}  # code -> the device_id given with it
        #: refresh token -> the device_id of the sign-in it descends from
        self.refresh_devices: dict[str, str] = {}

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: Mapping[str, str],
    ) -> Response:
        if path == self.profile_path and method != "POST":
            return json_response({"error": "invalid_request", "error_description": "POST"}, 405)
        return super().route(method, path, query, form, headers)

    def authorize_result(self, code: str, query: dict[str, str]) -> dict[str, str]:
        device_id = secrets.token_urlsafe(16)
        self.device_ids[code] = device_id
        return {
            "code": code,
            "device_id": device_id,
            "type": "code_v2",
            "expires_in": "600",
            "ext_id": secrets.token_urlsafe(32),
        }

    def revoke(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        """VK ID's own revocation: ``client_id`` and ``access_token`` in a form; the
        permissions are withdrawn and every token of the grant forgotten."""
        if self.failure == "revoke_503":
            return Response(503, b"<html>Service Unavailable</html>", "text/html")
        if not self.authenticated_client(form, headers):
            return oauth_error("invalid_client", "client_id is wrong or missing", 401)
        if self.token_state(form.get("access_token", "")) != "valid":
            return oauth_error("invalid_token", "access_token is missing or invalid", 401)
        self.forget_grant_of(form["access_token"])
        return json_response({"response": 1})

    def authenticated_client(self, form: dict[str, str], headers: Mapping[str, str]) -> bool:
        return form.get("client_id") == self.client_id and "authorization" not in headers

    def token(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        code = form.get("code", "")
        grant = self.grants.get(code)
        if (
            self.failure is None
            and grant is not None
            and not grant.used
            and self.authenticated_client(form, headers)
        ):
            if not form.get("state"):
                return oauth_error("invalid_request", "state is required")
            if form.get("device_id") != self.device_ids.get(code):
                grant.used = True
                return oauth_error("invalid_grant", "device_id does not match the code")
        response = super().token(form, headers)
        if response.status != 200 or self.failure == "token_malformed":
            return response
        body = json.loads(response.body)
        device_id = self.device_ids.get(code) or self.refresh_devices.get(
            form.get("refresh_token", ""), ""
        )
        if isinstance(body.get("refresh_token"), str):
            with self.lock:
                self.refresh_devices[body["refresh_token"]] = device_id
        state = form["state"] if self.failure != "token_wrong_state" else "another-state"
        user_id = str(self.user_profile.get("user_id", ""))
        # a number in VK's answer (a test's odd id is passed on as it is)
        number = int(user_id) if user_id.isascii() and user_id.isdigit() else user_id
        return json_response({**body, "state": state, "user_id": number or 0})

    def refresh(self, form: dict[str, str]) -> Response:
        """VK ID refreshes only for the device the sign-in came from, and echoes a state."""
        if not form.get("state"):
            return oauth_error("invalid_request", "state is required")
        device_id = self.refresh_devices.get(form.get("refresh_token", ""))
        if device_id is not None and form.get("device_id") != device_id:
            return oauth_error("invalid_grant", "device_id does not match the refresh token")
        return super().refresh(form)

    def token_response(self, access_token: str, grant: Grant) -> dict[str, Any]:
        return {
            "access_token": access_token,
            "refresh_token": secrets.token_urlsafe(24),
            "id_token": "header.payload.signature",
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": grant.scope,
        }

    def bearer_grant(self, headers: Mapping[str, str], query: dict[str, str]) -> Grant | None:
        return self.tokens.get(query.get("access_token", ""))

    def check_profile_request(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str], grant: Grant
    ) -> str | None:
        return None if form.get("client_id") == grant.client_id else "invalid_client"

    def profile(self, profile: dict[str, Any], grant: Grant) -> Any:
        return {"user": profile}
