"""The HTTP side of the provider role: discovery, JWKS, authorize, token, UserInfo,
revocation and logout, and the two pages a person may meet there (a request we cannot
answer; "sign out?"). Each route only translates between HTTP and ``admin_app.provider``.
"""

from __future__ import annotations

import asyncio
import html
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from nicegui import ui
from starlette.routing import BaseRoute, Route

from admin_app.auth.accounts import current_viewer, sign_out
from admin_app.core import asking
from admin_app.core.database_wait import on_database
from admin_app.core.i18n import _, language_for
from admin_app.provider import authorize, issuers, logout, revocation, signing, tokens, userinfo
from admin_app.provider.problems import problem_message
from admin_app.web.browser_cookie import csrf_token, csrf_token_is_valid
from admin_app.web.layout import frame
from admin_app.web.plain_link import PlainLink
from admin_app.web.security_headers import with_script_nonce

#: discovery, keys and the application-facing endpoints are read by scripts of any origin
#: (a browser application): they take no cookie, only what the application presents
OPEN_TO_SCRIPTS = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT = {
    **OPEN_TO_SCRIPTS,
    "Access-Control-Allow-Methods": "GET, POST",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Max-Age": "600",
}


async def _params(request: Request) -> dict[str, str]:
    """The query, or the posted form (authorize and logout accept both)."""
    return await _form(request) if request.method == "POST" else dict(request.query_params)


def _language(request: Request) -> str:
    chosen = str(request.session.get(asking.LANGUAGE_KEY, ""))
    return language_for(chosen, request.headers.get("accept-language"))


def _problem(reason: str) -> RedirectResponse:
    return RedirectResponse("/oidc/problem?" + urlencode({"reason": reason}), status_code=303)


def _form_post(request: Request, action: str, fields: dict[str, str]) -> HTMLResponse:
    """The response as a form the browser posts to the application (form_post)."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(key)}" value="{html.escape(value)}">'
        for key, value in fields.items()
    )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>…</title></head><body>"
        f'<form method="post" action="{html.escape(action)}">{inputs}'
        '<noscript><button type="submit">Continue</button></noscript></form>'
        "<script>document.forms[0].submit()</script></body></html>"
    )
    return HTMLResponse(with_script_nonce(page, request), headers={"Cache-Control": "no-store"})


async def authorization(request: Request) -> Response:
    decision = await on_database(
        authorize.decide,
        await _params(request),
        host=request.headers.get("host"),
        auth_token=str(request.session.get(asking.AUTH_KEY, "")),
        language=_language(request),
    )
    if decision.answer is authorize.Answer.PROBLEM:
        return _problem(decision.reason)
    if decision.answer is authorize.Answer.FORM_POST:
        return _form_post(request, decision.location, decision.fields)
    return RedirectResponse(decision.location, status_code=303)


async def end_session(request: Request) -> Response:
    params = await _params(request)
    decision = await asyncio.to_thread(
        logout.decide,
        params,
        host=request.headers.get("host"),
        auth_token=str(request.session.get(asking.AUTH_KEY, "")),
        confirmed=csrf_token_is_valid(request.session, params.get("csrf", "")),
    )
    if decision.step is logout.Step.PROBLEM:
        return _problem(decision.reason)
    if decision.step is logout.Step.CONFIRM:
        query = {key: value for key, value in params.items() if key != "csrf"}
        return RedirectResponse("/oidc/logout/confirm?" + urlencode(query), status_code=303)
    await asyncio.to_thread(sign_out, request.session)
    return RedirectResponse(decision.location, status_code=303)


def _json(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={**OPEN_TO_SCRIPTS, **(headers or {})})


async def _form(request: Request) -> dict[str, str]:
    return {key: str(value) for key, value in (await request.form()).items()}


async def discovery(request: Request) -> JSONResponse:
    site = await asyncio.to_thread(issuers.site_of_host, request.headers.get("host"))
    return _json(issuers.discovery(issuers.issuer_of(site)))


async def jwks(request: Request) -> JSONResponse:
    return _json(await asyncio.to_thread(signing.jwks), headers={"Cache-Control": "max-age=300"})


async def token(request: Request) -> JSONResponse:
    answer = await on_database(
        tokens.exchange,
        await _form(request),
        authorization=request.headers.get("authorization"),
        host=request.headers.get("host"),
    )
    return _json(answer.body, answer.status, answer.headers)


async def user_info(request: Request) -> JSONResponse:
    form = await _form(request) if request.method == "POST" else {}
    bearer = userinfo.bearer_token(request.headers.get("authorization"), form)
    answer = await on_database(userinfo.user_info, bearer)
    headers = {"WWW-Authenticate": answer.challenge} if answer.challenge else {}
    return _json(answer.body, answer.status, {"Cache-Control": "no-store", **headers})


async def revoke(request: Request) -> Response:
    status = await asyncio.to_thread(
        revocation.revoke,
        await _form(request),
        authorization=request.headers.get("authorization"),
        host=request.headers.get("host"),
    )
    if status == 200:
        return Response(status_code=200, headers=OPEN_TO_SCRIPTS)
    error = "invalid_client" if status == 401 else "invalid_request"
    return _json({"error": error}, status)


async def preflight(request: Request) -> Response:
    """CORS preflight of a browser application calling token, UserInfo or revocation."""
    return Response(status_code=204, headers=PREFLIGHT)


#: served on the short path beside NiceGUI's stack (admin_app.web.signin_lane): the
#: endpoints a browser is sent to, with its cookie...
LANE_ROUTES: list[BaseRoute] = [
    Route("/oidc/authorize", authorization, methods=["GET", "POST"]),
    Route("/oidc/logout", end_session, methods=["GET", "POST"]),
]
#: ...and those applications call themselves, with no cookie
COOKIELESS_ROUTES: list[BaseRoute] = [
    Route("/.well-known/openid-configuration", discovery, methods=["GET"]),
    Route("/oidc/jwks", jwks, methods=["GET"]),
    Route("/oidc/token", token, methods=["POST"]),
    Route("/oidc/userinfo", user_info, methods=["GET", "POST"]),
    Route("/oidc/revoke", revoke, methods=["POST"]),
    Route("/oidc/{endpoint:path}", preflight, methods=["OPTIONS"]),
]


def register() -> None:
    """The pages a person may meet at the provider role (its endpoints are LANE_ROUTES)."""

    @ui.page("/oidc/problem")
    def problem(reason: str = "") -> None:
        with (
            frame(_("Could not sign in"), current_viewer()),
            ui.card().classes("w-full max-w-md gap-3"),
        ):
            ui.label(_(problem_message(reason))).props('role="alert"').mark("provider-problem")
            PlainLink(_("Go to your profile"), "/profile")

    @ui.page("/oidc/logout/confirm")
    def confirm_logout(request: Request) -> None:
        params = dict(request.query_params)
        back = "/oidc/logout?" + urlencode({**params, "csrf": csrf_token()})
        with frame(_("Sign out"), current_viewer()), ui.card().classes("w-full max-w-md gap-3"):
            ui.label(
                _("Sign out of this site and of every application you signed in to through it?")
            )
            with ui.row().classes("gap-3"):
                ui.button(_("Sign out"), on_click=lambda: ui.navigate.to(back)).props(
                    "color=primary"
                ).mark("logout-confirm")
                PlainLink(_("Stay signed in"), "/profile")
