"""The HTTP routes that write the session cookie: finishing sign-in, signing out, language.

Each answers with a redirect to a path on this site (``next``, checked by ``safe_next``).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app

from admin_app.auth.accounts import complete_sign_in, sign_out
from admin_app.auth.safe_next import safe_next
from admin_app.core.asking import LANGUAGE_KEY
from admin_app.core.i18n import LANGUAGES
from admin_app.web.browser_cookie import csrf_token_is_valid


def register() -> None:
    @app.get("/auth/complete", include_in_schema=False)
    def auth_complete(request: Request, ticket: str = "", next: str = "/") -> RedirectResponse:
        if complete_sign_in(request.session, ticket):
            return RedirectResponse(safe_next(next), status_code=303)
        return RedirectResponse("/login?expired=1", status_code=303)

    @app.get("/logout", include_in_schema=False)
    def logout(request: Request, csrf: str = "") -> RedirectResponse:
        if csrf_token_is_valid(request.session, csrf):
            sign_out(request.session)
            return RedirectResponse("/login", status_code=303)
        return RedirectResponse("/", status_code=303)  # a forged link changes nothing

    @app.get("/language", include_in_schema=False)
    def language(request: Request, set: str = "", next: str = "/") -> RedirectResponse:
        if set in LANGUAGES:
            request.session[LANGUAGE_KEY] = set
        return RedirectResponse(safe_next(next), status_code=303)
