"""A fake OAuth 2.0 / OpenID Connect service: a real HTTP server on 127.0.0.1 (https with
``serve_tls``).

It checks what a real service checks and refuses what a real one refuses: the client's
credentials in the way the service wants them, a redirect_uri equal to the authorize
request's, single-use codes, the PKCE verifier. A provider's own fake subclasses it to add
its quirks (OK's ``sig``, Facebook's ``appsecret_proof``, Apple's signed client secret...).

``failure`` makes the next request fail the way real services do, for the contract tests:
``access_denied`` (the user cancelled), ``invalid_grant``, ``token_500``, ``token_slow``,
``token_malformed``, ``profile_500``, ``profile_slow``, ``profile_malformed``, ``profile_no_id``,
``revoke_503``.

A fake with a ``revocation_path`` serves token revocation (RFC 7009) there: the client
authenticates as at the token endpoint, and the token presented, access or refresh, is
forgotten together with every other token of its grant, so that nothing issued under it
works any more. A subclass whose service revokes in its own way overrides ``revoke``.

Tokens can also be issued directly (``issue_token``: as if a sign-in had happened), expired
(``expire``) and refreshed at the token endpoint (``grant_type=refresh_token``, RFC 6749
section 6): refresh tokens are single use and rotate, as X's do. Every access token knows its
grant, and so the scope and the user it was issued for.

The server is threading: a subclass keeps its shared state under ``self.lock``, and never
sleeps while holding it. A JSON request body (``Content-Type: application/json``) reaches the
route handlers as ``self.json_body`` (per request: the handler thread's own), with an empty
``form``.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import secrets
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge

SLOW_SECONDS = 1.0  # longer than the timeout the contract tests give providers (0.3 s)


@dataclass
class Grant:
    """What an authorize request asked for, remembered until its code is used."""

    client_id: str
    redirect_uri: str
    scope: str
    code_challenge: str | None
    nonce: str | None
    used: bool = False
    #: who signed in (``issue_token(user_id=...)``); None: the fake's profile's id
    user_id: str | None = None


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(value: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(value).encode())


def oauth_error(error: str, description: str = "", status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status)


class FakeOAuthService:
    """Override the ``*_path`` names, ``profile()``, and the ``check_*`` hooks as needed."""

    authorize_path = "/authorize"
    token_path = "/token"
    profile_path = "/profile"
    #: where RFC 7009 revocation is served; None: the service offers none
    revocation_path: str | None = None
    #: how this service wants the client to authenticate at the token endpoint
    client_auth = "client_secret_post"
    require_pkce = False

    def __init__(self, *, client_id: str, client_secret: str, profile: Mapping[str, Any]) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.user_profile = dict(profile)
        self.failure: str | None = None
        self.grants: dict[str, Grant] = {}
        self.tokens: dict[str, Grant] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.authorize_requests: list[dict[str, str]] = []
        #: guards the state below (and the subclasses' own) against concurrent requests
        self.lock = threading.RLock()
        #: refresh token -> its grant; single use: a refresh takes it out
        self.refresh_tokens: dict[str, Grant] = {}
        #: access tokens refused as expired: ``expire()``d, or past their lifetime
        self.expired_tokens: dict[str, Grant] = {}
        #: access token -> when it expires (time.time()); tokens not listed do not expire
        self.token_expiry: dict[str, float] = {}
        #: successful refreshes (new tokens issued); ``refresh_attempts`` counts every
        #: ``grant_type=refresh_token`` request, refused ones included
        self.refreshes = 0
        self.refresh_attempts = 0
        #: grants revoked (every token of theirs forgotten)
        self.revocations = 0
        self._local = threading.local()
        self._scheme = "http"
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- lifecycle

    @property
    def base_url(self) -> str:
        return f"{self._scheme}://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def serve_tls(self, context: ssl.SSLContext) -> Self:
        """Answer over https with ``context``'s certificate (call it before ``start``).
        Each connection's handshake happens in its own handler thread, not in the one
        that accepts."""
        self._server.socket = context.wrap_socket(
            self._server.socket, server_side=True, do_handshake_on_connect=False
        )
        self._scheme = "https"
        return self

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def endpoints(self) -> dict[str, str]:
        """Endpoint overrides that point a provider at this fake."""
        endpoints = {
            "authorize_url": self.url(self.authorize_path),
            "token_url": self.url(self.token_path),
            "api_url": self.url(self.profile_path),
        }
        if self.revocation_path:
            endpoints["revocation_url"] = self.url(self.revocation_path)
        return endpoints

    # -- tokens issued without a sign-in, expiry

    def issue_token(
        self, *, scope: str = "", user_id: str | None = None, expires_in: int = 3600
    ) -> tuple[str, str]:
        """Register an access token and a refresh token as if ``user_id`` had signed in and
        granted ``scope`` (space separated); the access token expires in ``expires_in``
        seconds (0 or less: already expired). Returns (access token, refresh token)."""
        grant = Grant(
            client_id=self.client_id,
            redirect_uri="",
            scope=scope,
            code_challenge=None,
            nonce=None,
            used=True,
            user_id=user_id,
        )
        access_token, refresh_token = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[access_token] = grant
            self.refresh_tokens[refresh_token] = grant
            self.token_expiry[access_token] = time.time() + expires_in
        return access_token, refresh_token

    def expire(self, access_token: str) -> None:
        """From now on ``access_token`` is refused as an expired token."""
        with self.lock:
            grant = self.tokens.pop(access_token, None)
            if grant is not None:
                self.expired_tokens[access_token] = grant
            self.token_expiry.pop(access_token, None)

    def expire_due_tokens(self) -> None:
        """Move access tokens past their lifetime to ``expired_tokens`` (before each request)."""
        now = time.time()
        with self.lock:
            for token, until in list(self.token_expiry.items()):
                if until <= now:
                    self.expire(token)

    def token_state(self, access_token: str) -> str:
        """``valid``, ``expired`` or ``unknown``."""
        self.expire_due_tokens()
        with self.lock:
            if access_token and access_token in self.tokens:
                return "valid"
            return "expired" if access_token in self.expired_tokens else "unknown"

    def user_id_of(self, grant: Grant) -> str:
        """The user a token was issued for: its grant's, else the fake's profile's id."""
        if grant.user_id is not None:
            return grant.user_id
        for key in ("id", "sub", "user_id", "uid"):
            if self.user_profile.get(key) not in (None, ""):
                return str(self.user_profile[key])
        return ""

    @property
    def json_body(self) -> Any:
        """The JSON body of the request this thread is serving (None: none, or unreadable)."""
        return getattr(self._local, "json_body", None)

    @property
    def request_body(self) -> bytes:
        """The raw body of the request this thread is serving."""
        body: bytes = getattr(self._local, "body", b"")
        return body

    # -- routing

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: Mapping[str, str],
    ) -> Response:
        if path == self.authorize_path and method == "GET":
            return self.authorize(query)
        if path == self.token_path and method == "POST":
            return self.token(form, headers)
        if path == self.profile_path:
            return self.profile_endpoint(query, form, headers)
        if self.revocation_path and path == self.revocation_path and method == "POST":
            return self.revoke(form, headers)
        return Response(404, b"not found", "text/plain")

    # -- the authorize endpoint: approves at once, as if the user clicked "Allow"

    def authorize(self, query: dict[str, str]) -> Response:
        self.authorize_requests.append(query)
        if query.get("client_id") != self.client_id:
            return Response(400, b"unknown client_id", "text/plain")
        if query.get("response_type") != "code" or not query.get("redirect_uri"):
            return Response(400, b"bad authorize request", "text/plain")
        if self.require_pkce and query.get("code_challenge_method") != "S256":
            return Response(400, b"PKCE with S256 is required", "text/plain")
        params: dict[str, str] = {"state": query.get("state", "")}
        if self.failure == "access_denied":
            params.update(error="access_denied", error_description="The user said no")
        else:
            code = secrets.token_urlsafe(16)
            self.grants[code] = Grant(
                client_id=query["client_id"],
                redirect_uri=query["redirect_uri"],
                scope=query.get("scope", ""),
                code_challenge=query.get("code_challenge"),
                nonce=query.get("nonce"),
            )
            params.update(self.authorize_result(code, query))
        return self.return_to_client(query, params)

    def authorize_result(self, code: str, query: dict[str, str]) -> dict[str, str]:
        return {"code": code}

    def return_to_client(self, query: dict[str, str], params: dict[str, str]) -> Response:
        if query.get("response_mode") == "form_post":
            inputs = "".join(
                f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                for k, v in params.items()
            )
            page = (
                f'<form method="post" action="{html.escape(query["redirect_uri"])}">{inputs}</form>'
            )
            return Response(200, page.encode(), "text/html")
        separator = "&" if "?" in query["redirect_uri"] else "?"
        location = query["redirect_uri"] + separator + urlencode(params)
        return Response(302, b"", "text/plain", {"Location": location})

    # -- the token endpoint

    def authenticated_client(self, form: dict[str, str], headers: Mapping[str, str]) -> bool:
        if self.client_auth == "client_secret_basic":
            value = headers.get("authorization", "")
            if not value.startswith("Basic ") or "client_secret" in form:
                return False
            user, _, password = base64.b64decode(value[6:]).decode().partition(":")
            return (unquote(user), unquote(password)) == (self.client_id, self.client_secret)
        return (
            form.get("client_id") == self.client_id
            and form.get("client_secret") == self.client_secret
            and "authorization" not in headers
        )

    def token(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        if self.failure == "token_slow":
            time.sleep(SLOW_SECONDS)
        if self.failure == "token_500":
            return Response(500, b"<html>Internal Server Error</html>", "text/html")
        if self.failure == "token_malformed":
            return Response(200, b"{not json", "application/json")
        if not self.authenticated_client(form, headers):
            return oauth_error("invalid_client", "client authentication failed", 401)
        if form.get("grant_type") == "refresh_token":
            return self.refresh(form)
        if form.get("grant_type") != "authorization_code":
            return oauth_error("unsupported_grant_type")
        with self.lock:
            grant = self.grants.get(form.get("code", ""))
            if self.failure == "invalid_grant" or grant is None or grant.used:
                return oauth_error("invalid_grant", "the code is unknown, expired or used")
            grant.used = True  # single use, even when the rest of this request is wrong
        if form.get("redirect_uri") != grant.redirect_uri:
            return oauth_error("invalid_grant", "redirect_uri differs from the authorize request")
        if grant.code_challenge or self.require_pkce:
            verifier = form.get("code_verifier", "")
            if not verifier or create_s256_code_challenge(verifier) != grant.code_challenge:
                return oauth_error("invalid_grant", "PKCE verification failed")
        access_token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[access_token] = grant
            body = self.token_response(access_token, grant)
            if isinstance(body.get("refresh_token"), str):  # redeemable with the grant
                self.refresh_tokens[body["refresh_token"]] = grant
        return json_response(body)

    def refresh(self, form: dict[str, str]) -> Response:
        """``grant_type=refresh_token`` from an authenticated client: a new access token and
        a new refresh token; the one presented is spent (``invalid_grant`` from now on)."""
        with self.lock:
            self.refresh_attempts += 1
            token = form.get("refresh_token", "")
            grant = self.refresh_tokens.get(token)
            if self.failure == "invalid_grant" or grant is None:
                return oauth_error("invalid_grant", "the refresh token is unknown, expired or used")
            del self.refresh_tokens[token]  # single use, even when the rest is wrong
            if grant.client_id != self.client_id:
                return oauth_error("invalid_grant", "the refresh token belongs to another client")
            asked = form.get("scope", "").replace(",", " ").split()
            if asked:  # RFC 6749 6: a narrower scope may be asked for, never a wider one
                if not set(asked) <= set(grant.scope.split()):
                    return oauth_error("invalid_scope", "the scope exceeds the granted one")
                grant = dataclasses.replace(grant, scope=" ".join(asked))
            access_token = secrets.token_urlsafe(24)
            self.tokens[access_token] = grant
            body = self.token_response(access_token, grant)
            if not isinstance(body.get("refresh_token"), str):
                body["refresh_token"] = secrets.token_urlsafe(24)
            self.refresh_tokens[body["refresh_token"]] = grant
            lifetime = body.get("expires_in")
            if isinstance(lifetime, int | float) and lifetime > 0:
                self.token_expiry[access_token] = time.time() + lifetime
            self.refreshes += 1
        return json_response(body)

    def token_response(self, access_token: str, grant: Grant) -> dict[str, Any]:
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 3600,
            "refresh_token": secrets.token_urlsafe(24),
            "scope": grant.scope,
        }

    # -- revocation (RFC 7009)

    def revoke(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        """RFC 7009, section 2: an authenticated client's token is forgotten with its
        grant; an unknown token is answered 200 as well (section 2.2)."""
        if self.failure == "revoke_503":
            return Response(503, b"<html>Service Unavailable</html>", "text/html")
        if not self.authenticated_client(form, headers):
            return oauth_error("invalid_client", "client authentication failed", 401)
        if not form.get("token"):
            return oauth_error("invalid_request", "the token is missing")
        self.forget_grant_of(form["token"])
        return Response(200, b"", "text/plain")

    def forget_grant_of(self, token: str) -> bool:
        """Forget ``token`` (access or refresh) and every token of its grant; False when
        the fake did not know it."""
        with self.lock:
            grant = self.tokens.get(token) or self.refresh_tokens.get(token)
            if grant is None:
                grant = self.expired_tokens.get(token)
            if grant is None:
                return False
            for held in (self.tokens, self.refresh_tokens, self.expired_tokens):
                for key in [key for key, value in held.items() if value is grant]:
                    del held[key]
                    self.token_expiry.pop(key, None)
            self.revocations += 1
        return True

    # -- the profile endpoint

    def bearer_grant(self, headers: Mapping[str, str], query: dict[str, str]) -> Grant | None:
        value = headers.get("authorization", "")
        token = value[7:] if value.lower().startswith("bearer ") else query.get("access_token", "")
        return self.tokens.get(token)

    def profile_endpoint(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str]
    ) -> Response:
        if self.failure == "profile_slow":
            time.sleep(SLOW_SECONDS)
        if self.failure == "profile_500":
            return Response(500, b"<html>oops</html>", "text/html")
        if self.failure == "profile_malformed":
            return Response(200, b"<html>not json</html>", "text/html")
        grant = self.bearer_grant(headers, {**query, **form})
        if grant is None:
            return json_response({"error": "invalid_token"}, 401)
        problem = self.check_profile_request(query, form, headers, grant)
        if problem:
            return json_response({"error": problem}, 403)
        profile = dict(self.user_profile)
        if self.failure == "profile_no_id":
            profile = self.without_id(profile)
        return json_response(self.profile(profile, grant))

    def check_profile_request(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str], grant: Grant
    ) -> str | None:
        """A provider-specific reason to refuse the profile request, or None."""
        return None

    def profile(self, profile: dict[str, Any], grant: Grant) -> Any:
        return profile

    def without_id(self, profile: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in profile.items() if k not in {"id", "sub", "uid", "user_id"}}

    # -- plumbing

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                content_type = (self.headers.get("Content-Type") or "").partition(";")[0]
                json_body: Any = None
                if content_type.strip().lower() == "application/json":
                    form: dict[str, str] = {}
                    try:
                        json_body = json.loads(raw.decode() or "null")
                    except ValueError:  # UnicodeDecodeError is one
                        json_body = None
                    logged = {**query}
                    if isinstance(json_body, dict):  # the log keeps str values, as forms
                        logged.update(
                            (str(k), v if isinstance(v, str) else json.dumps(v))
                            for k, v in json_body.items()
                        )
                else:
                    form = {k: v[-1] for k, v in parse_qs(raw.decode(errors="replace")).items()}
                    logged = {**query, **form}
                headers = {k.lower(): v for k, v in self.headers.items()}
                service._local.body = raw
                service._local.json_body = json_body
                service.expire_due_tokens()
                with service.lock:
                    service.requests.append((method, parts.path, logged))
                try:
                    response = service.route(method, parts.path, query, form, headers)
                except Exception as error:  # a bug in a fake must show, not hang a test
                    response = Response(599, repr(error).encode(), "text/plain")
                try:
                    self.send_response(response.status)
                    self.send_header("Content-Type", response.content_type)
                    self.send_header("Content-Length", str(len(response.body)))
                    for name, value in response.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(response.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting ("slow" failures): as intended

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_DELETE(self) -> None:
                self._serve("DELETE")

        return Handler
