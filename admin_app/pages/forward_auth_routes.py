"""The HTTP side of forward authentication (``admin_app.provider.forward_auth``).

``/auth/verify`` and ``/auth/refused`` are asked by the reverse proxy with the browser's
cookies, on every request to the application: they are served beside NiceGUI's stack,
read the cookies themselves and never write one. ``/_socialservices/callback`` is reached
on the application's host through the proxy and sets the cookie of that host.
``/auth/start`` is a browser's step on our own host, with our session cookie.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Mapping
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from admin_app.core import asking, runtime
from admin_app.core.i18n import N_, language_for, translate
from admin_app.provider import forward_auth
from admin_app.provider.forward_auth import Verdict
from admin_app.provider.problems import problem_message, refusal_message
from admin_app.web.browser_cookie import SESSION_COOKIE, read_session_cookie

NO_STORE = {"Cache-Control": "no-store"}
NO_ACCESS = N_("No access")
#: every method: nginx asks with the original request's method
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _language(request: Request, session: Mapping[str, object]) -> str:
    chosen = str(session.get(asking.LANGUAGE_KEY, ""))
    return language_for(chosen, request.headers.get("accept-language"))


def _verification(request: Request) -> tuple[forward_auth.Verification, dict[str, object]]:
    session = read_session_cookie(request.cookies.get(SESSION_COOKIE, ""))
    verification = forward_auth.verify(
        forward_auth.original_of(dict(request.headers)),
        proxy_token=request.cookies.get(forward_auth.PROXY_COOKIE, ""),
        session_token=str(session.get(asking.AUTH_KEY, "")),
    )
    return verification, session


async def verify(request: Request) -> Response:
    verification, session = await asyncio.to_thread(_verification, request)
    if verification.verdict is Verdict.ALLOWED:
        return Response(status_code=200, headers={**NO_STORE, **verification.headers})
    # Traefik and Caddy show the browser what we answer: a redirect, or our page
    for_browser = request.query_params.get("redirect") == "1"
    if verification.verdict is Verdict.SIGN_IN:
        original = forward_auth.original_of(dict(request.headers))
        if for_browser and original is not None:
            location = forward_auth.start_location(original)
            return RedirectResponse(location, status_code=302, headers=NO_STORE)
        return Response("sign in first\n", status_code=401, headers=NO_STORE)
    if for_browser:
        return _refusal(request, session, verification)
    return Response("forbidden\n", status_code=403, headers=NO_STORE)


def _page(language: str, title: str, message: str, status: int) -> HTMLResponse:
    """A page of our own that a proxy shows on the application's host: plain HTML, no
    script, nothing of ours it would have to serve too."""

    def t(text: str) -> str:
        return html.escape(translate(text, language))

    profile = html.escape(runtime.settings().absolute_url("/profile"))
    body = (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{t(title)}</title><style>body{{font-family:system-ui,sans-serif;"
        "max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2937;line-height:1.5}"
        "a{color:#1d4ed8}</style></head><body>"
        f'<main><h1>{t(title)}</h1><p role="alert">{html.escape(message)}</p>'
        f'<p><a href="{profile}">{t(N_("Go to your profile"))}</a></p></main></body></html>'
    )
    return HTMLResponse(body, status_code=status, headers=NO_STORE)


def _refused_page(
    language: str, reason: str, application: str, login: str, status: int = 403
) -> HTMLResponse:
    message = translate(refusal_message(reason), language).format(
        application=application, login=login
    )
    return _page(language, NO_ACCESS, message, status)


async def refused(request: Request) -> Response:
    """The page nginx shows for a 403 of ``/auth/verify`` (``error_page 403``)."""
    verification, session = await asyncio.to_thread(_verification, request)
    return _refusal(request, session, verification)


def _refusal(
    request: Request, session: dict[str, object], verification: forward_auth.Verification
) -> HTMLResponse:
    """Why the proxy turned the browser away: the person may not use the application, or
    the address is no application of this site."""
    language = _language(request, session)
    if verification.verdict is Verdict.REFUSED:
        return _refused_page(
            language, verification.reason, verification.application, verification.login
        )
    message = translate(problem_message("unknown_host"), language)
    return _page(language, NO_ACCESS, message, 403)


async def start(request: Request) -> Response:
    rd = forward_auth.return_address(request.url.query)
    decision = await asyncio.to_thread(
        forward_auth.start,
        rd,
        host=request.headers.get("host"),
        auth_token=str(request.session.get(asking.AUTH_KEY, "")),
    )
    if decision.step is forward_auth.Step.PROBLEM:
        query = urlencode({"reason": decision.reason})
        return RedirectResponse(f"/oidc/problem?{query}", status_code=303)
    if decision.step is forward_auth.Step.REFUSED:
        language = _language(request, request.session)
        return _refused_page(language, decision.reason, decision.application, decision.login)
    return RedirectResponse(decision.location, status_code=303, headers=NO_STORE)


async def callback(request: Request) -> Response:
    landing = await asyncio.to_thread(
        forward_auth.land, request.query_params.get("code", ""), host=request.headers.get("host")
    )
    if landing.problem:
        language = _language(request, {})
        message = translate(problem_message(landing.problem), language)
        return _page(language, N_("Could not sign in"), message, 400)
    response = RedirectResponse(landing.location, status_code=303, headers=NO_STORE)
    response.set_cookie(
        forward_auth.PROXY_COOKIE,
        landing.cookie,
        max_age=int(forward_auth.PROXY_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.headers.get("x-forwarded-proto", request.url.scheme) == "https",
    )
    return response


#: asked by the proxy, with the browser's cookies, which these read themselves
PROXY_ROUTES: list[BaseRoute] = [
    Route("/auth/verify", verify, methods=ANY_METHOD),
    Route("/auth/refused", refused, methods=ANY_METHOD),
    Route(forward_auth.CALLBACK_PATH, callback, methods=["GET"]),
]
#: on the sign-in lane, with our session cookie
LANE_ROUTES: list[BaseRoute] = [Route(forward_auth.START_PATH, start, methods=["GET"])]
