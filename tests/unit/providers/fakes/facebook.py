"""A fake Facebook: the Login dialog, ``oauth/access_token`` and the Graph API's ``/me``.

What it checks, as Facebook does: the app id and app secret as parameters, a redirect_uri
identical to the dialog's, single-use codes, a user access token (``Authorization: Bearer``
or ``access_token``), and ``appsecret_proof`` on every Graph call — the app has "Require app
secret" on, so a missing or wrong proof is refused. Refusals use the Graph API's error
object (``{"error": {"message", "type", "code", "fbtrace_id"}}``, HTTP 400). ``/me`` answers
only the ``fields`` asked for, as the Graph API does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from typing import Any

from providers.facebook import GRAPH_VERSION
from tests.unit.providers.fakes.oauth import FakeOAuthService, Grant, Response, json_response


def graph_error(
    message: str, kind: str = "OAuthException", code: int = 100, status: int = 400
) -> Response:
    return json_response(
        {
            "error": {
                "message": message,
                "type": kind,
                "code": code,
                "fbtrace_id": secrets.token_urlsafe(8),
            }
        },
        status,
    )


class FakeFacebook(FakeOAuthService):
    authorize_path = f"/{GRAPH_VERSION}/dialog/oauth"
    token_path = f"/{GRAPH_VERSION}/oauth/access_token"
    profile_path = f"/{GRAPH_VERSION}/me"
    client_auth = "client_secret_post"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fields_asked = ""

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: Mapping[str, str],
    ) -> Response:
        if path == self.token_path and method == "GET":  # the documented form is a GET
            return self.token(query, headers)
        return super().route(method, path, query, form, headers)

    def token(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        # Facebook needs no grant_type: the code says it all.
        response = super().token({"grant_type": "authorization_code", **form}, headers)
        if response.status < 400 or response.status >= 500:
            return response
        body = json.loads(response.body)
        if body.get("error") == "invalid_client":
            return graph_error("Error validating client secret.", code=1)
        if "redirect_uri" in body.get("error_description", ""):
            return graph_error(
                "Error validating verification code. Please make sure your redirect_uri is "
                "identical to the one you used in the OAuth dialog request"
            )
        code = form.get("code", "")
        if code in self.grants and self.grants[code].used and self.failure != "invalid_grant":
            return graph_error("This authorization code has been used.")
        return graph_error("Invalid verification code format.")

    def token_response(self, access_token: str, grant: Grant) -> dict[str, Any]:
        return {"access_token": access_token, "token_type": "bearer", "expires_in": 5183944}

    def profile_endpoint(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str]
    ) -> Response:
        params = {**query, **form}
        authorization = headers.get("authorization", "")
        token = (
            authorization[7:]
            if authorization.lower().startswith("bearer ")
            else params.get("access_token", "")
        )
        if token not in self.tokens:
            return graph_error("Invalid OAuth access token - Cannot parse access token", code=190)
        proof = params.get("appsecret_proof")
        if not proof:
            return graph_error(
                "API calls from the server require an appsecret_proof argument",
                kind="GraphMethodException",
            )
        expected = hmac.new(self.client_secret.encode(), token.encode(), hashlib.sha256)
        if not hmac.compare_digest(proof, expected.hexdigest()):
            return graph_error(
                "Invalid appsecret_proof provided in the API argument",
                kind="GraphMethodException",
            )
        self.fields_asked = params.get("fields", "")
        return super().profile_endpoint(query, form, headers)

    def profile(self, profile: dict[str, Any], grant: Grant) -> Any:
        asked = {f.strip() for f in self.fields_asked.split(",") if f.strip()} or {"name"}
        return {k: v for k, v in profile.items() if k in asked | {"id"}}
