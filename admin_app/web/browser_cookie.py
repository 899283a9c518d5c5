"""This browser's session cookie, as the pages read it: who is asking, and the CSRF token.

The cookie is Starlette's signed session (HttpOnly, SameSite=Lax, Secure behind https).
It holds NiceGUI's browser ``id``, our ``auth`` token (an ``AuthSession`` row) and the
chosen ``language`` (the keys are in ``core/asking``). Only HTTP routes write it (a
websocket event cannot set a cookie): ``/auth/complete``, ``/logout`` and ``/language``.
Pages and events read it; ``read_asker`` is what the use cases see through
``core/asking``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import MutableMapping
from typing import Any

import itsdangerous
from fastapi import Request
from nicegui import app, context

from admin_app.core import asking, runtime

#: the session cookie's name (NiceGUI's and the sign-in lane's SessionMiddleware)
SESSION_COOKIE = "socialservices_session"
#: Starlette's SessionMiddleware default, which both use
SESSION_MAX_AGE = 14 * 24 * 60 * 60


def read_session_cookie(value: str) -> dict[str, Any]:
    """The content of a session cookie seen outside the middleware (a reverse proxy passes
    the browser's cookies to ``/auth/verify``): {} unless it is ours, signed with this
    installation's key and not expired."""
    signer = itsdangerous.TimestampSigner(runtime.secret_key())
    try:
        data = json.loads(base64.b64decode(signer.unsign(value, max_age=SESSION_MAX_AGE)))
    except (itsdangerous.BadSignature, binascii.Error, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class _PageAsker:
    """Who asks in a page or event, each value read from the cookie or the request only
    when a use case asks for it (see ``asking.WhoAsks``)."""

    def __init__(self, cookie: MutableMapping[str, Any]) -> None:
        self._cookie = cookie

    @property
    def auth_token(self) -> str:
        value = self._cookie.get(asking.AUTH_KEY, "")
        return value if isinstance(value, str) else ""

    @property
    def browser_id(self) -> str:
        return str(self._cookie.get(asking.BROWSER_KEY, ""))

    @property
    def chosen_language(self) -> str:
        return str(self._cookie.get(asking.LANGUAGE_KEY, ""))

    @property
    def client_address(self) -> str:
        request = _request()
        client = request.client if request is not None else None
        return client.host if client else ""

    @property
    def user_agent(self) -> str:
        request = _request()
        return request.headers.get("user-agent", "") if request is not None else ""

    @property
    def accept_language(self) -> str | None:
        request = _request()
        return request.headers.get("accept-language") if request is not None else None


def _request() -> Request | None:
    try:
        return context.client.request
    except (RuntimeError, AttributeError):
        return None


def read_asker() -> asking.WhoAsks:
    """Who is asking in the page being built or the event being handled."""
    try:
        return _PageAsker(app.storage.browser)
    except RuntimeError:  # outside a page or event: nobody is asking
        return asking.NOBODY


def _csrf_for(auth: str) -> str:
    key = runtime.secret_key().encode()
    return hmac.new(key, f"csrf:{auth}".encode(), hashlib.sha256).hexdigest()[:32]


def csrf_token() -> str:
    """A token only this signed-in browser's pages know, for state-changing links."""
    return _csrf_for(asking.auth_token())


def csrf_token_is_valid(cookie: MutableMapping[str, Any], token: str) -> bool:
    # as bytes: compare_digest raises on a str with non-ASCII characters (a forged link)
    expected = _csrf_for(str(cookie.get(asking.AUTH_KEY, ""))).encode()
    return hmac.compare_digest(expected, token.encode("utf-8", "surrogatepass"))
