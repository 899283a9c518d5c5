"""Our own 400, 404, 500 and 503 pages, in place of NiceGUI's and Starlette's.

They are drawn in the site's frame (a centred card: the status, a heading that says it in
words, a link home), in the visitor's language, and never show an
exception (its text may hold SQL and values): a 500 page shows the short id under which
``admin_app.core.failure_log`` logged it. Three ways lead here:

- a failure while a request is served, caught by ``ErrorPages`` (a value the database
  refused, or ``BadInputError`` from a page, is a 400; the database away or full
  (``models.outages``) a 503 that says to try again, and on a sign-in's callback to sign
  in again: the service's answer cannot be used twice; anything else a 500);
- a request the sign-in lane's gate refused or failed to serve: the lane hands it to
  NiceGUI's stack marked with ``failure_log.SCOPE_KEY``, and ``ErrorPages`` answers it;
- Starlette's 404 (no route) and FastAPI's refusal of a parameter, by exception handlers.

An action on an open page (a button, a saved form) that fails is told on that page, as a
notification: the database away or full in those words, anything else with its error id.
"""

from __future__ import annotations

import logging
import re

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from nicegui import Client, app, ui
from nicegui.page import page
from nicegui.slot import Slot
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from admin_app.auth.accounts import Viewer, current_viewer
from admin_app.core.failure_log import (
    SCOPE_KEY,
    caused_by_input,
    log_nicegui_exceptions_once,
    printable,
    record_failure,
)
from admin_app.core.i18n import _
from admin_app.web import theme
from admin_app.web.layout import card_frame
from admin_app.web.plain_link import PlainLink
from models.outages import Outage, outage

log = logging.getLogger(__name__)

BAD_REQUEST, NOT_FOUND, SERVER_ERROR, UNAVAILABLE = 400, 404, 500, 503
#: what a 503 page asks a browser, or a program, to wait before trying again
RETRY_AFTER_SECONDS = 60
#: the one request whose failure cannot be mended by trying it again: a service's answer
CALLBACK_PATH = re.compile(r"/oauth/[^/]+/callback")
#: what applications and reverse proxies call themselves: they read JSON or a status, not a
#: page (OAuth's own word for it: ``temporarily_unavailable``)
PROGRAM_PATHS = re.compile(
    r"/oidc/(token|userinfo|jwks|revoke)|/\.well-known/openid-configuration|/auth/verify"
)


def _viewer() -> Viewer | None:
    """Who is signed in, for the frame; nobody when that cannot be told (the database may
    be what failed)."""
    try:
        return current_viewer()
    except Exception:  # the error page must be drawn whatever failed
        return None


def _status_above_heading(status: int) -> None:
    """The status, for whoever reports it; the heading after it says it in words."""
    ui.label(str(status)).classes("text-5xl font-bold text-slate-700 text-center w-full").move(
        target_index=0
    ).props('aria-hidden="true"')


def draw_error(status: int, error_id: str | None = None) -> None:
    """The page's content for ``status``, in the frame."""
    if status == BAD_REQUEST:
        title = _("Bad request")
        text = _(
            "This address or form holds something that cannot be used: invisible control"
            " characters, text that is too long or a number out of range. Check the link or"
            " what you typed, and try again."
        )
    elif status == NOT_FOUND:
        title = _("Page not found")
        text = _("There is nothing at this address. The link may be mistyped or out of date.")
    else:
        title = _("Something went wrong")
        text = _("The server could not answer this request. Please try again in a moment.")
    with card_frame(title, _viewer()):
        _status_above_heading(status)
        ui.label(text).props('role="alert"').mark("error-message")
        if error_id is not None:
            ui.label(
                _("If it happens again, tell the administrator this error id: {id}").format(
                    id=error_id
                )
            ).classes(theme.MUTED).mark("error-id")
        PlainLink(_("Go to the start page"), "/").mark("error-home")


def _outage_text(kind: Outage, *, page_shown: bool) -> str:
    """``page_shown``: said on the page the visitor has open, of an action of it."""
    if kind is Outage.FULL:
        return _(
            "The server has no room left to store data, so what you sent was not saved."
            " Please try again later."
        )
    if page_shown:
        return _(
            "The site cannot reach its database just now, so nothing was saved. Please try"
            " again in a minute."
        )
    return _(
        "The site cannot reach its database just now, so this page cannot be shown and"
        " nothing you sent was saved. Please try again in a minute."
    )


def draw_outage(kind: Outage, signing_in: bool) -> None:
    """The 503 page: what happened in words, and what to do; no viewer is looked up (the
    database is what failed). A sign-in's callback says to sign in again."""
    title = _("Sign-in not finished") if signing_in else _("Temporarily unavailable")
    with card_frame(title, None):
        _status_above_heading(UNAVAILABLE)
        if signing_in:
            ui.label(
                _(
                    "The site could not record your sign-in: its database is unavailable just"
                    " now. Wait a minute, then sign in again."
                )
            ).props('role="alert"').mark("error-message")
            PlainLink(_("Sign in again"), "/login").mark("error-home")
        else:
            message = _outage_text(kind, page_shown=False)
            ui.label(message).props('role="alert"').mark("error-message")
            PlainLink(_("Go to the start page"), "/").mark("error-home")


def error_response(request: Request, status: int, error_id: str | None = None) -> Response:
    """A whole page for ``status``, drawn as NiceGUI draws its own error pages."""
    with Client(page(""), request=request) as client:
        draw_error(status, error_id)
    return client.build_response(request, status)


def outage_response(request: Request, kind: Outage) -> Response:
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if PROGRAM_PATHS.fullmatch(request.url.path):
        answer = {
            "error": "temporarily_unavailable",
            "error_description": "the server's database is unavailable; try again later",
        }
        return JSONResponse(answer, status_code=UNAVAILABLE, headers=retry)
    with Client(page(""), request=request) as client:
        draw_outage(kind, CALLBACK_PATH.fullmatch(request.url.path) is not None)
    response = client.build_response(request, UNAVAILABLE)
    response.headers.update(retry)
    return response


class ErrorPages:
    """Pure ASGI middleware inside NiceGUI's own (so that a page's session, language and
    viewer are known): answers a failure with our page instead of a traceback or SQL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        handed_over = scope.get(SCOPE_KEY)
        if isinstance(handed_over, BaseException):  # from the sign-in lane
            await self._answer(handed_over, scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as error:
            if started:  # too late for a page: the server ends the response
                raise
            await self._answer(error, scope, receive, send)

    @staticmethod
    async def _answer(error: BaseException, scope: Scope, receive: Receive, send: Send) -> None:
        error_id = record_failure(error, scope.get("path", ""))
        request = Request(scope, receive)
        if caused_by_input(error):
            response = error_response(request, BAD_REQUEST)
        elif (kind := outage(error)) is not None:
            response = outage_response(request, kind)
        else:
            response = error_response(request, SERVER_ERROR, error_id)
        await response(scope, receive, send)


async def _not_found(request: Request, exception: Exception) -> Response:
    """Starlette's 404 (no route matches) as our page; NiceGUI's own resources (a route
    that is no page raising 404) keep their short JSON answer."""
    endpoint = request.scope.get("endpoint")
    if (
        endpoint is not None
        and not request.scope.get("nicegui_page_path")
        and isinstance(exception, HTTPException)
    ):
        return await http_exception_handler(request, exception)
    log.warning("request.not_found path=%s", printable(request.url.path))
    return error_response(request, NOT_FOUND)


async def _refused_parameter(request: Request, exception: Exception) -> Response:
    """FastAPI's 422 (a parameter of the wrong type) as our 400 page, not JSON."""
    log.warning("request.bad_input where=%s error=parameter", printable(request.url.path))
    return error_response(request, BAD_REQUEST)


def _tell_the_page(error: Exception) -> None:
    """An action of an open page failed: say so on it (NiceGUI runs this with the page's
    slot entered for an action that awaits, as ours do; without one there is no page)."""
    if not Slot.get_stack():
        return
    error_id = record_failure(error, "ui event")
    if caused_by_input(error):
        return  # the field's own check tells the visitor; a value only a hand-made message sends
    kind = outage(error)
    if kind is None:
        message = _(
            "That did not work. If it happens again, tell the administrator this error id: {id}"
        ).format(id=error_id)
    else:
        message = _outage_text(kind, page_shown=True)
    ui.notify(message, type="negative", multi_line=True)


def install() -> None:
    """Called by ``register_routes`` before the app's first request (Starlette builds its
    middleware stack then); again for every app NiceGUI's test fixture builds."""
    app.add_middleware(ErrorPages)
    app.exception_handler(NOT_FOUND)(_not_found)
    app.exception_handler(RequestValidationError)(_refused_parameter)
    app.on_exception(_tell_the_page)
    log_nicegui_exceptions_once()
