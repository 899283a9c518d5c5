"""The two requests of every sign-in (its start and the service's callback) served on a
short path, beside NiceGUI's middleware stack instead of through it.

Every request to the app passes NiceGUI's middlewares: three of them are Starlette
``BaseHTTPMiddleware`` classes (request tracking, cache headers, prefixed redirects),
each of which runs the rest of the request in a task of its own and copies the response
through a stream. A page needs that; these redirects do not (the prefix of redirects is
for apps served under a path, which our settings refuse), and for a sign-in it was a
quarter of our own cost. These two routes get only what they use: the same signed
session cookie (same secret, same name and flags, so NiceGUI reads what they write and
the other way round), NiceGUI's browser id in it, our security headers, and a plain 500
for an error. Every other request, HEAD on these paths too, goes through NiceGUI.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from nicegui import app
from nicegui.storage import PersistentDict
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.routing import BaseRoute
from starlette.routing import Router as StarletteRouter
from starlette.types import ASGIApp, Receive, Scope, Send

from admin_app.security_headers import SecurityHeaders
from admin_app.session import BROWSER_KEY

#: the paths the lane serves (GET only); everything else is NiceGUI's
LANE_PATHS = re.compile(r"/oauth/[^/]+/(login|callback)")


class _BrowserId:
    """What NiceGUI's request tracking gives every browser: an ``id`` in its cookie."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["session"].setdefault(BROWSER_KEY, str(uuid.uuid4()))
        await self.app(scope, receive, send)


class _Dispatch:
    """Sends the lane's requests to the lane and all others to NiceGUI's stack."""

    def __init__(self, stack: ASGIApp, lane: ASGIApp) -> None:
        self.stack = stack
        self.lane = lane

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and LANE_PATHS.fullmatch(scope["path"])
        ):
            await self.lane(scope, receive, send)
        else:
            await self.stack(scope, receive, send)


def install(routes: list[BaseRoute], session_options: dict[str, Any]) -> None:
    """Serve ``routes`` on the lane from now on, with the cookie of ``session_options``
    (the keyword arguments of NiceGUI's SessionMiddleware, ``secret_key`` included).

    Starlette builds an app's middleware stack once, at its first request; the lane is
    put in front of it there. Installing again (NiceGUI's test fixture builds the app
    anew for each test) replaces the earlier lane."""
    lane = ServerErrorMiddleware(
        SessionMiddleware(
            SecurityHeaders(_BrowserId(StarletteRouter(routes=routes))), **session_options
        )
    )
    build_stack: Callable[[Any], ASGIApp] = type(app).build_middleware_stack
    setattr(app, "build_middleware_stack", lambda: _Dispatch(build_stack(app), lane))  # noqa: B010


async def user_storage(request: Request) -> PersistentDict:
    """NiceGUI's server-side storage of this browser (``app.storage.user``), which a
    lane request has no other way to reach: set up as NiceGUI's request tracking does
    (NiceGUI 3.18's private names; the e2e "Try it" test goes through here)."""
    browser = request.session[BROWSER_KEY]
    if browser not in app.storage._users:
        await app.storage._create_user_storage(browser)
    return app.storage._users[browser]
