"""Who is asking: the signed-in session, the browser, its address and language.

Use cases need to know who is asking without knowing how a request arrives. The web layer
installs a reader at start (``install``); outside a page or event, and in the command
line, nobody is asking and every value is empty. The cookie's keys and how a new browser
session starts are kept here too, so that signing in and out stays a use case while only
HTTP routes write the cookie.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

AUTH_KEY = "auth"
LANGUAGE_KEY = "language"
BROWSER_KEY = "id"  # NiceGUI's key


@dataclass(frozen=True)
class Asker:
    """What one request or event says about who sends it."""

    auth_token: str = ""
    browser_id: str = ""
    client_address: str = ""
    chosen_language: str = ""
    accept_language: str | None = None


NOBODY = Asker()

_reader: Callable[[], Asker] = lambda: NOBODY  # noqa: E731


def install(reader: Callable[[], Asker]) -> None:
    """Called by the web layer: ``reader`` answers for the page or event being handled."""
    global _reader
    _reader = reader


def current() -> Asker:
    return _reader()


def auth_token() -> str:
    return current().auth_token


def browser_id() -> str:
    return current().browser_id


def client_address() -> str:
    """The visitor's IP address (taken from X-Forwarded-For only when the proxy is on
    127.0.0.1, the one uvicorn is told to trust)."""
    return current().client_address


def asker_from_cookie(cookie: MutableMapping[str, Any], **more: Any) -> Asker:
    auth = cookie.get(AUTH_KEY, "")
    return Asker(
        auth_token=auth if isinstance(auth, str) else "",
        browser_id=str(cookie.get(BROWSER_KEY, "")),
        chosen_language=str(cookie.get(LANGUAGE_KEY, "")),
        **more,
    )


def start_new_browser_session(cookie: MutableMapping[str, Any], *, auth: str | None) -> None:
    """Replace NiceGUI's browser id (so nothing known before survives) and set or clear auth."""
    cookie[BROWSER_KEY] = str(uuid.uuid4())
    if auth is None:
        cookie.pop(AUTH_KEY, None)
    else:
        cookie[AUTH_KEY] = auth
