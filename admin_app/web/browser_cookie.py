"""This browser's session cookie: who is signed in, which language, and the CSRF token.

The cookie is Starlette's signed session (HttpOnly, SameSite=Lax, Secure behind https).
It holds NiceGUI's browser ``id``, our ``auth`` token (an ``AuthSession`` row) and the
chosen ``language``. Only HTTP routes write it (a websocket event cannot set a cookie):
``/auth/complete``, ``/logout`` and ``/language``. Pages and events read it.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import MutableMapping
from typing import Any

from nicegui import app, context

from admin_app.core import runtime

AUTH_KEY = "auth"
LANGUAGE_KEY = "language"
BROWSER_KEY = "id"  # NiceGUI's key


def _cookie() -> MutableMapping[str, Any]:
    try:
        return app.storage.browser
    except RuntimeError:  # outside a page or event: nobody is asking
        return {}


def auth_token() -> str:
    value = _cookie().get(AUTH_KEY, "")
    return value if isinstance(value, str) else ""


def browser_id() -> str:
    return str(_cookie().get(BROWSER_KEY, ""))


def client_address() -> str:
    """The visitor's IP address (taken from X-Forwarded-For only when the proxy is on
    127.0.0.1, the one uvicorn is told to trust)."""
    try:
        client = context.client.request.client
    except (RuntimeError, AttributeError):
        return ""
    return client.host if client else ""


def chosen_language() -> str:
    return str(_cookie().get(LANGUAGE_KEY, ""))


def _csrf_for(auth: str) -> str:
    key = runtime.secret_key().encode()
    return hmac.new(key, f"csrf:{auth}".encode(), hashlib.sha256).hexdigest()[:32]


def csrf_token() -> str:
    """A token only this signed-in browser's pages know, for state-changing links."""
    return _csrf_for(auth_token())


def csrf_token_is_valid(cookie: MutableMapping[str, Any], token: str) -> bool:
    # as bytes: compare_digest raises on a str with non-ASCII characters (a forged link)
    expected = _csrf_for(str(cookie.get(AUTH_KEY, ""))).encode()
    return hmac.compare_digest(expected, token.encode("utf-8", "surrogatepass"))


def start_new_browser_session(cookie: MutableMapping[str, Any], *, auth: str | None) -> None:
    """Replace NiceGUI's browser id (so nothing known before survives) and set or clear auth."""
    cookie[BROWSER_KEY] = str(uuid.uuid4())
    if auth is None:
        cookie.pop(AUTH_KEY, None)
    else:
        cookie[AUTH_KEY] = auth
