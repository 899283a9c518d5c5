"""A small application on 127.0.0.1 that takes back-channel logouts as a relying party must.

It checks each logout token the way OpenID Connect Back-Channel Logout 1.0 (section 2.6)
tells a relying party to, with the provider's JWKS (fetched over HTTP, or handed over by
the test): the signature, ``iss``, ``aud``, ``iat`` and ``exp``, the explicit type
``logout+jwt``, the ``events`` claim with the back-channel logout member, a ``sub`` or
``sid``, no ``nonce``, and a ``jti`` it has not seen. A valid token is answered 200 (with
``Cache-Control: no-store``) and recorded in ``received``; an invalid one 400 with the
error, recorded in ``refused``. While ``down`` holds an HTTP status, every request is
answered with it and nothing is recorded (an application down behind its proxy: 503).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

EVENT = "http://schemas.openid.net/event/backchannel-logout"
PATH = "/backchannel-logout"
#: how far ``iat`` may be from now (the spec leaves it to the relying party)
CLOCK_SKEW = 120


class InvalidLogoutToken(Exception):
    pass


def verified_logout_claims(
    token: str, keys: dict[str, Any], *, issuer: str, client_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The logout token's header and claims, checked as section 2.6 says; raises
    InvalidLogoutToken."""
    try:
        decoded = jwt.decode(token, KeySet.import_key_set(keys), algorithms=["RS256", "ES256"])  # type: ignore[arg-type]
    except (JoseError, ValueError) as error:
        raise InvalidLogoutToken(f"signature: {error}") from None
    header, claims = decoded.header, dict(decoded.claims)
    now = time.time()
    problems = [
        (header.get("typ") not in (None, "logout+jwt"), f"typ {header.get('typ')}"),
        (claims.get("iss") != issuer, f"iss {claims.get('iss')}"),
        (client_id not in _audience(claims.get("aud")), f"aud {claims.get('aud')}"),
        (not isinstance(claims.get("iat"), int) or abs(claims["iat"] - now) > CLOCK_SKEW, "iat"),
        (not isinstance(claims.get("exp"), int) or claims["exp"] < now, "exp"),
        (not isinstance(claims.get("events"), dict) or EVENT not in claims["events"], "events"),
        (not isinstance(claims.get("events", {}).get(EVENT), dict), "the event is no object"),
        (not (claims.get("sub") or claims.get("sid")), "neither sub nor sid"),
        ("nonce" in claims, "a nonce"),
        (not claims.get("jti"), "no jti"),
    ]
    wrong = [what for failed, what in problems if failed]
    if wrong:
        raise InvalidLogoutToken(", ".join(wrong))
    return dict(header), claims


def _audience(aud: Any) -> list[Any]:
    return aud if isinstance(aud, list) else [aud]


class BackchannelApp:
    """The application: ``uri`` is its back-channel logout URI."""

    def __init__(self, keys: Callable[[], dict[str, Any]], *, issuer: str, client_id: str) -> None:
        self.received: list[dict[str, Any]] = []
        self.refused: list[str] = []
        #: the JOSE headers of the tokens received
        self.headers: list[dict[str, Any]] = []
        self.down: int | None = None
        self.requests = 0
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        app = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                status, answer = app._take(self.path, self.headers.get("Content-Type", ""), body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(json.dumps(answer).encode())

            def log_message(self, *args: Any) -> None:
                pass

        self._keys, self.issuer, self.client_id = keys, issuer, client_id
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.uri = f"http://127.0.0.1:{self.server.server_address[1]}{PATH}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _take(self, path: str, content_type: str, body: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests += 1
            if self.down is not None:
                return self.down, {"error": "temporarily_unavailable"}
        if path != PATH or not content_type.startswith("application/x-www-form-urlencoded"):
            return self._refuse(f"{path} {content_type}")
        tokens = parse_qs(body).get("logout_token", [])
        if len(tokens) != 1:
            return self._refuse("no logout_token")
        try:
            header, claims = verified_logout_claims(
                tokens[0], self._keys(), issuer=self.issuer, client_id=self.client_id
            )
        except InvalidLogoutToken as error:
            return self._refuse(str(error))
        with self._lock:
            if claims["jti"] in self._seen:
                return self._refuse("a replayed jti")
            self._seen.add(claims["jti"])
            self.received.append(claims)
            self.headers.append(header)
        return 200, {}

    def _refuse(self, why: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.refused.append(why)
        return 400, {"error": "invalid_request", "error_description": why}

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The tokens received, once there are ``count`` of them (for a runner in another
        process or task)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def jwks_over_http(issuer: str) -> Callable[[], dict[str, Any]]:
    """The provider's JWKS as a relying party finds it: through discovery's ``jwks_uri``."""

    def keys() -> dict[str, Any]:
        document = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=5).json()
        return httpx.get(document["jwks_uri"], timeout=5).json()

    return keys


@pytest.fixture
def backchannel_app_factory() -> Iterator[Callable[..., BackchannelApp]]:
    """Start applications (``keys``, ``issuer``, ``client_id``); all stopped after the test."""
    started: list[BackchannelApp] = []

    def start(keys: Callable[[], dict[str, Any]], *, issuer: str, client_id: str) -> BackchannelApp:
        app = BackchannelApp(keys, issuer=issuer, client_id=client_id)
        started.append(app)
        return app

    yield start
    for app in started:
        app.close()
