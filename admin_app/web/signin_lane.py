"""The two requests of every sign-in (its start and the service's callback), and the
provider role's endpoints that applications call on each of their sign-ins, served on a
short path, beside NiceGUI's middleware stack instead of through it.

Every request to the app passes NiceGUI's middlewares: three of them are Starlette
``BaseHTTPMiddleware`` classes (request tracking, cache headers, prefixed redirects),
each of which runs the rest of the request in a task of its own and copies the response
through a stream. A page needs that; these redirects do not (the prefix of redirects is
for apps served under a path, which our settings refuse), and for a sign-in it was a
quarter of our own cost. These two routes get only what they use: the same signed
session cookie (same secret, same name and flags, so NiceGUI reads what they write and
the other way round), NiceGUI's browser id in it and our security headers. Every other
request, HEAD on these paths too, goes through NiceGUI.

In front of both sits the gate for URLs no route can use (``input_checks.url_refusal``):
such a request, and a lane request that fails, is handed to NiceGUI's stack marked with
``failure_log.SCOPE_KEY``, where our error pages answer it in the visitor's language.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from nicegui import app
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute
from starlette.routing import Router as StarletteRouter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from admin_app.core.asking import BROWSER_KEY
from admin_app.core.failure_log import SCOPE_KEY
from admin_app.core.input_checks import BadInputError, url_refusal
from admin_app.web.security_headers import SecurityHeaders

#: the paths the lane serves with GET, with the browser's cookie; everything else is
#: NiceGUI's
LANE_PATHS = re.compile(r"/oauth/[^/]+/(login|callback)|/oidc/(authorize|logout)|/auth/start")
#: of those, the ones a form may post to as well
LANE_POST_PATHS = re.compile(r"/oidc/(authorize|logout)")
#: the provider role's endpoints that applications call themselves, on every sign-in of
#: theirs (GET, POST, and a browser application's OPTIONS): no cookie is read or written
COOKIELESS_PATHS = re.compile(
    r"/oidc/(token|userinfo|jwks|revoke)|/\.well-known/openid-configuration"
    r"|/auth/(verify|refused)|/_socialservices/callback"
)
#: of those, the ones a reverse proxy asks with the method of the request it decides on
ANY_METHOD_PATHS = re.compile(r"/auth/(verify|refused)")


class _BrowserId:
    """What NiceGUI's request tracking gives every browser: an ``id`` in its cookie."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["session"].setdefault(BROWSER_KEY, str(uuid.uuid4()))
        await self.app(scope, receive, send)


def _refusal(scope: Scope) -> str | None:
    """Why the request's URL is refused, or None (``raw_path`` as sent; some servers and
    test clients put the query in it too)."""
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogatepass")
    return url_refusal(raw_path.split(b"?", 1)[0], scope.get("query_string", b""))


def _on_the_lane(method: str, path: str) -> bool:
    if method == "GET":
        return LANE_PATHS.fullmatch(path) is not None
    return method == "POST" and LANE_POST_PATHS.fullmatch(path) is not None


def _cookieless(method: str, path: str) -> bool:
    if method in ("GET", "POST", "OPTIONS"):
        return COOKIELESS_PATHS.fullmatch(path) is not None
    return ANY_METHOD_PATHS.fullmatch(path) is not None


class _Dispatch:
    """Sends the lane's requests to the lane and all others to NiceGUI's stack; a refused
    URL, or a lane request that failed, to the stack's error pages."""

    def __init__(self, stack: ASGIApp, lane: ASGIApp, cookieless: ASGIApp) -> None:
        self.stack = stack
        self.lane = lane
        self.cookieless = cookieless

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.stack(scope, receive, send)
            return
        if (reason := _refusal(scope)) is not None:
            await self._hand_over(BadInputError(reason), scope, receive, send)
        elif _on_the_lane(scope["method"], scope["path"]):
            await self._lane(self.lane, scope, receive, send)
        elif _cookieless(scope["method"], scope["path"]):
            await self._lane(self.cookieless, scope, receive, send)
        else:
            await self.stack(scope, receive, send)

    async def _lane(self, lane: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await lane(scope, receive, watched)
        except Exception as error:
            if started:
                raise
            await self._hand_over(error, scope, receive, send)

    async def _hand_over(
        self, error: BaseException, scope: Scope, receive: Receive, send: Send
    ) -> None:
        await self.stack({**scope, SCOPE_KEY: error}, receive, send)


def install(
    routes: list[BaseRoute], session_options: dict[str, Any], cookieless: list[BaseRoute]
) -> None:
    """Serve ``routes`` on the lane from now on, with the cookie of ``session_options``
    (the keyword arguments of NiceGUI's SessionMiddleware, ``secret_key`` included), and
    ``cookieless`` routes with our headers only.

    Starlette builds an app's middleware stack once, at its first request; the lane is
    put in front of it there. Installing again (NiceGUI's test fixture builds the app
    anew for each test) replaces the earlier lane."""
    lane = SessionMiddleware(
        SecurityHeaders(
            _BrowserId(StarletteRouter(routes=routes)),
            https=bool(session_options.get("https_only")),
        ),
        **session_options,
    )
    https = bool(session_options.get("https_only"))
    bare = SecurityHeaders(StarletteRouter(routes=cookieless), https=https)
    build_stack: Callable[[Any], ASGIApp] = type(app).build_middleware_stack
    setattr(app, "build_middleware_stack", lambda: _Dispatch(build_stack(app), lane, bare))  # noqa: B010
