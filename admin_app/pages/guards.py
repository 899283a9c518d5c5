"""Who may see a page: every page starts with one of these."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import context, ui

from admin_app.auth.accounts import Viewer, current_viewer
from admin_app.core.i18n import _
from admin_app.web.layout import frame


def _login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


def signed_in(request: Request) -> Viewer | RedirectResponse:
    """The viewer, or a redirect to the sign-in page that comes back here."""
    viewer = current_viewer()
    return viewer if viewer is not None else _login_redirect(request)


def administrator(request: Request) -> Viewer | RedirectResponse | None:
    """The viewer if an administrator; a sign-in redirect if anonymous; else draws a 403
    page and returns None."""
    viewer = current_viewer()
    if viewer is None:
        return _login_redirect(request)
    if viewer.is_admin:
        return viewer
    context.client.status_code = 403
    with frame(_("Access denied"), viewer):
        ui.label(_("This page is for administrators only.")).props('role="alert"')
        ui.link(_("Go to your profile"), "/profile")
    return None
