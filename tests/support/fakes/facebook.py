"""A fake Facebook: the Login dialog, ``oauth/access_token`` and the Graph API's ``/me``.

What it checks, as Facebook does: the app id and app secret as parameters, a redirect_uri
identical to the dialog's, single-use codes, a user access token (``Authorization: Bearer``
or ``access_token``), and ``appsecret_proof`` on every Graph call — the app has "Require app
secret" on, so a missing or wrong proof is refused. Refusals use the Graph API's error
object (``{"error": {"message", "type", "code", "fbtrace_id"}}``, HTTP 400). ``/me`` answers
only the ``fields`` asked for, as the Graph API does.

``POST /me/feed`` publishes ``message`` for the token's user, under the same checks (token,
then ``appsecret_proof``), and answers ``{"id": "<user id>_<post id>"}``. It refuses an empty
message (code 100) and a repeat of the person's earlier message (code 506); an expired token
is code 190 with subcode 463. ``post_failures`` is a queue of scripted answers, one taken per
POST: an HTTP status (a Graph error, nothing published) or ``"no_answer"`` (published, then
silent for ``SLOW_SECONDS``).

Note: the real Graph API has refused posts to a person's own feed since 2018 (``publish_actions``
is gone; only Pages and groups can be posted to). ``user_feed_publishing = False`` makes this
fake answer as the real service does today: ``(#200)`` on every POST /me/feed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from providers.facebook import GRAPH_VERSION
from tests.support.fakes.oauth import (
    SLOW_SECONDS,
    FakeOAuthService,
    Grant,
    Response,
    json_response,
)

FIRST_POST_ID = 122_100_000_000_000_000


def graph_error(
    message: str,
    kind: str = "OAuthException",
    code: int = 100,
    status: int = 400,
    *,
    subcode: int | None = None,
    is_transient: bool | None = None,
) -> Response:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if is_transient is not None:
        error["is_transient"] = is_transient
    error["fbtrace_id"] = secrets.token_urlsafe(8)
    return json_response({"error": error}, status)


def scripted_error(status: int) -> Response:
    """The Graph error a scripted ``post_failures`` status answers with."""
    if status >= 500:
        return graph_error(
            "An unexpected error has occurred. Please retry your request later.",
            code=2,
            status=status,
            is_transient=True,
        )
    if status == 429:
        return graph_error(
            "(#4) Application request limit reached", code=4, status=status, is_transient=True
        )
    return graph_error("An unknown error occurred", code=1, status=status, is_transient=False)


class FakeFacebook(FakeOAuthService):
    authorize_path = f"/{GRAPH_VERSION}/dialog/oauth"
    token_path = f"/{GRAPH_VERSION}/oauth/access_token"
    profile_path = f"/{GRAPH_VERSION}/me"
    client_auth = "client_secret_post"

    feed_path = f"/{GRAPH_VERSION}/me/feed"
    #: False: refuse every feed post, as the Graph API does since publish_actions is gone
    user_feed_publishing = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fields_asked = ""
        #: the posts published: {"id", "message", "user_id"}
        self.feed_posts: list[dict[str, str]] = []
        #: scripted answers, one taken per POST /me/feed: an HTTP status, or "no_answer"
        self.post_failures: list[int | str] = []
        self._last_post_id = FIRST_POST_ID

    def endpoints(self) -> dict[str, str]:
        return {**super().endpoints(), "post_url": self.url(self.feed_path)}

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
        if path == self.feed_path and method == "POST":
            return self.feed(query, form, headers)
        if path == f"{self.profile_path}/permissions" and method == "DELETE":
            return self.delete_permissions(query, headers)
        return super().route(method, path, query, form, headers)

    def delete_permissions(self, query: dict[str, str], headers: Mapping[str, str]) -> Response:
        """``DELETE /me/permissions``: every permission withdrawn, the login with them; the
        token and its grant are forgotten."""
        if self.failure == "revoke_503":
            return graph_error("An unexpected error has occurred.", code=2, status=503)
        token, refusal = self.graph_token(query, headers)
        if refusal is not None:
            return refusal
        self.forget_grant_of(token)
        return json_response({"success": True})

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

    def graph_token(
        self, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> tuple[str, Response | None]:
        """The call's user access token, and the Graph error refusing it (or the missing or
        wrong ``appsecret_proof``), or None when all is well."""
        authorization = headers.get("authorization", "")
        token = (
            authorization[7:]
            if authorization.lower().startswith("bearer ")
            else params.get("access_token", "")
        )
        state = self.token_state(token)
        if state == "expired":
            when = datetime.now(UTC).strftime("%A, %d-%b-%y %H:%M:%S UTC")
            return token, graph_error(
                f"Error validating access token: Session has expired on {when}."
                " The current time is later.",
                code=190,
                subcode=463,
            )
        if state != "valid":
            return token, graph_error(
                "Invalid OAuth access token - Cannot parse access token", code=190
            )
        proof = params.get("appsecret_proof")
        if not proof:
            return token, graph_error(
                "API calls from the server require an appsecret_proof argument",
                kind="GraphMethodException",
            )
        expected = hmac.new(self.client_secret.encode(), token.encode(), hashlib.sha256)
        if not hmac.compare_digest(proof, expected.hexdigest()):
            return token, graph_error(
                "Invalid appsecret_proof provided in the API argument",
                kind="GraphMethodException",
            )
        return token, None

    def profile_endpoint(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str]
    ) -> Response:
        params = {**query, **form}
        _, refusal = self.graph_token(params, headers)
        if refusal is not None:
            return refusal
        self.fields_asked = params.get("fields", "")
        return super().profile_endpoint(query, form, headers)

    def feed(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str]
    ) -> Response:
        with self.lock:
            scripted = self.post_failures.pop(0) if self.post_failures else None
        if isinstance(scripted, int):
            return scripted_error(scripted)
        if scripted not in (None, "no_answer"):
            raise ValueError(f"unknown post_failures entry {scripted!r}")
        response = self.publish({**query, **form}, headers)
        if scripted == "no_answer":
            time.sleep(SLOW_SECONDS)  # the client has given up by now
        return response

    def publish(self, params: Mapping[str, str], headers: Mapping[str, str]) -> Response:
        token, refusal = self.graph_token(params, headers)
        if refusal is not None:
            return refusal
        if not self.user_feed_publishing:
            return graph_error(
                "(#200) The permission(s) publish_actions are not available. It has been"
                " deprecated.",
                code=200,
                status=403,
            )
        message = params.get("message", "")
        if not message.strip():
            return graph_error("(#100) Missing message or attachment", code=100)
        with self.lock:
            grant = self.tokens.get(token)
            if grant is None:  # expired or revoked meanwhile
                return graph_error(
                    "Invalid OAuth access token - Cannot parse access token", code=190
                )
            user_id = self.user_id_of(grant)
            if any(p["user_id"] == user_id and p["message"] == message for p in self.feed_posts):
                return graph_error("(#506) Duplicate status message", code=506)
            self._last_post_id += 1 + secrets.randbelow(1000)
            post_id = f"{user_id}_{self._last_post_id}"
            self.feed_posts.append({"id": post_id, "message": message, "user_id": user_id})
        return json_response({"id": post_id})

    def profile(self, profile: dict[str, Any], grant: Grant) -> Any:
        asked = {f.strip() for f in self.fields_asked.split(",") if f.strip()} or {"name"}
        return {k: v for k, v in profile.items() if k in asked | {"id"}}
