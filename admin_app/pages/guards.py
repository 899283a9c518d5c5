"""Who may see a page: every page that is not for everyone is declared with one of these.

``@admin_page(path)`` and ``@signed_in_page(path)`` declare the NiceGUI page and check
before the page function runs, so that no page has to remember to: an anonymous visitor is
sent to sign in (and back here afterwards); a signed-in visitor who is not an administrator
gets a 403 page saying so from ``admin_page``, and nothing of the page. The page function
receives the ``viewer`` let in, and takes ``request`` and the route's parameters as any
NiceGUI page does.

The guard stays on the declared route (``declared_guard``), so that a test can find every
page and hold each /admin one to the administrators' guard.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from nicegui import context, ui

from admin_app.auth.accounts import Viewer, current_viewer
from admin_app.core.i18n import _
from admin_app.web.layout import frame
from admin_app.web.plain_link import PlainLink

#: a page function: ``viewer`` first, then what NiceGUI would pass; async ones may be too;
#: a download returns its Response, which NiceGUI sends as it is
PageBuilder = Callable[..., Awaitable[None] | Response | None]

_GUARD_ATTRIBUTE = "declared_guard"


class Guard(StrEnum):
    """Whom a page is for; kept on its route."""

    ADMINISTRATOR = "administrator"
    SIGNED_IN = "signed in"


def admin_page(path: str) -> Callable[[PageBuilder], PageBuilder]:
    """Declare the page at ``path``, for administrators only."""
    return _guarded_page(path, Guard.ADMINISTRATOR)


def signed_in_page(path: str) -> Callable[[PageBuilder], PageBuilder]:
    """Declare the page at ``path``, for anyone signed in."""
    return _guarded_page(path, Guard.SIGNED_IN)


def declared_guard(endpoint: Callable[..., Any]) -> Guard | None:
    """The guard a route's endpoint was declared with; None for a page for everyone (or a
    route that is no page)."""
    return getattr(endpoint, _GUARD_ATTRIBUTE, None)


def _guarded_page(path: str, guard: Guard) -> Callable[[PageBuilder], PageBuilder]:
    def declare(build: PageBuilder) -> PageBuilder:
        wants_request = "request" in inspect.signature(build).parameters

        @functools.wraps(build)
        def checked_first(request: Request, **arguments: Any) -> Any:
            viewer = current_viewer()
            if viewer is None:
                return _login_redirect(request)
            if guard is Guard.ADMINISTRATOR and not viewer.is_admin:
                _access_denied(viewer)
                return None
            if wants_request:
                arguments["request"] = request
            return build(viewer, **arguments)  # an async page's coroutine: NiceGUI awaits it

        checked_first.__signature__ = _route_signature(build)  # type: ignore[attr-defined]
        setattr(checked_first, _GUARD_ATTRIBUTE, guard)  # NiceGUI's wrapper copies it along
        ui.page(path)(checked_first)
        return build

    return declare


def _route_signature(build: PageBuilder) -> inspect.Signature:
    """The page function's parameters as the route's, without ``viewer`` (ours to pass)
    and with ``request`` (needed for the redirect back)."""
    parameters = [
        parameter
        for name, parameter in inspect.signature(build).parameters.items()
        if name != "viewer"
    ]
    if all(parameter.name != "request" for parameter in parameters):
        keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD
        parameters.insert(0, inspect.Parameter("request", keyword, annotation=Request))
    return inspect.Signature(parameters)


def _login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


def _access_denied(viewer: Viewer) -> None:
    """The 403 page for a signed-in visitor who is not an administrator."""
    context.client.status_code = 403
    with frame(_("Access denied"), viewer):
        ui.label(_("This page is for administrators only.")).props('role="alert"')
        PlainLink(_("Go to your profile"), "/profile")
