"""Who is asking: the signed-in session, the browser, its address, name and language.

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
from typing import Any, Protocol

AUTH_KEY = "auth"
LANGUAGE_KEY = "language"
BROWSER_KEY = "id"  # NiceGUI's key


class WhoAsks(Protocol):
    """What one request or event says about who sends it. The web layer's answer reads
    each value only when asked: translating a page's strings asks for the language
    hundreds of times, and for nothing else."""

    @property
    def auth_token(self) -> str: ...
    @property
    def browser_id(self) -> str: ...
    @property
    def client_address(self) -> str: ...
    @property
    def user_agent(self) -> str: ...
    @property
    def chosen_language(self) -> str: ...
    @property
    def accept_language(self) -> str | None: ...


@dataclass(frozen=True)
class Asker:
    """Who asks, with every value known: nobody, or whoever a test stands for."""

    auth_token: str = ""
    browser_id: str = ""
    client_address: str = ""
    user_agent: str = ""
    chosen_language: str = ""
    accept_language: str | None = None


NOBODY = Asker()


def _nobody_asks() -> WhoAsks:
    return NOBODY


_reader: Callable[[], WhoAsks] = _nobody_asks


def install(reader: Callable[[], WhoAsks]) -> None:
    """Called by the web layer: ``reader`` answers for the page or event being handled."""
    global _reader
    _reader = reader


def current() -> WhoAsks:
    return _reader()


def auth_token() -> str:
    return current().auth_token


def browser_id() -> str:
    return current().browser_id


def client_address() -> str:
    """The visitor's IP address (taken from X-Forwarded-For only when the proxy is on
    127.0.0.1, the one uvicorn is told to trust)."""
    return current().client_address


def user_agent() -> str:
    """The browser's own name for itself (its User-Agent), as a signed-in session keeps
    it for the person's list of sessions."""
    return current().user_agent


def start_new_browser_session(cookie: MutableMapping[str, Any], *, auth: str | None) -> None:
    """Replace NiceGUI's browser id (so nothing known before survives) and set or clear auth."""
    cookie[BROWSER_KEY] = str(uuid.uuid4())
    if auth is None:
        cookie.pop(AUTH_KEY, None)
    else:
        cookie[AUTH_KEY] = auth
