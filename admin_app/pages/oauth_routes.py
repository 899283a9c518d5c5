"""The HTTP routes of a round trip to an external service: start sign-in, start linking,
and the callback. They only translate between HTTP and the use cases in round_trip and
social_callback."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from nicegui import app
from starlette.routing import BaseRoute, Route

from admin_app.auth import existing_account, round_trip, social_callback, social_link
from admin_app.auth.accounts import current_administrator_id_for, current_user_id_for
from admin_app.auth.purpose import Purpose
from admin_app.auth.safe_next import safe_next
from admin_app.auth.try_failures import TRIED_PAGE
from admin_app.core import asking
from admin_app.web import browser_cookie as session
from admin_app.web.security_headers import with_script_nonce
from providers import PROVIDERS
from providers.base import ProviderError

#: where a page served before the callback sends a browser that brought no answer
NO_ANSWER_PAGE = "/signin/problem?reason=state_invalid"

#: the longest service id there is (the column's size): a longer one names no service
MAX_SERVICE_ID_LENGTH = 50


def _problem(
    outcome_service: str, reason: str, next_path: str, purpose: Purpose = Purpose.LOGIN
) -> RedirectResponse:
    """The page that says why: the profile page for linking (its visitor is signed in
    and was there), the offer's page for proving an account to link to (it offers the
    other ways), the sign-in problem page otherwise."""
    if purpose is Purpose.CONFIRM:
        query = urlencode({"problem": reason, "service": outcome_service})
        return RedirectResponse(f"{safe_next(next_path)}&{query}", status_code=303)
    if purpose is Purpose.LINK:
        query = urlencode({"problem": reason, "service": outcome_service})
        return RedirectResponse(f"/profile?{query}", status_code=303)
    query = urlencode({"reason": reason, "service": outcome_service, "next": next_path})
    return RedirectResponse(f"/signin/problem?{query}", status_code=303)


async def _go_to_service(
    request: Request,
    service_id: str,
    purpose: Purpose,
    next_path: str,
    user_id: int | None = None,
    scope: str | None = None,
) -> Response:
    """Start a round trip and send the browser to the service, or to the problem page."""
    if len(service_id) > MAX_SERVICE_ID_LENGTH:
        short = service_id[:MAX_SERVICE_ID_LENGTH]
        return _problem(short, "service_unavailable", next_path, purpose)
    try:
        url = await round_trip.start(
            purpose=purpose,
            service_id=service_id,
            host=request.headers.get("host"),
            browser=request.session[asking.BROWSER_KEY],
            next_path=next_path,
            user_id=user_id,
            scope=scope,
        )
    except LookupError:
        return _problem(service_id, "service_unavailable", next_path, purpose)
    except ProviderError as error:
        return _problem(service_id, f"provider:{error.code}", next_path, purpose)
    return RedirectResponse(url, status_code=303)


async def start_sign_in(request: Request) -> Response:
    target = safe_next(request.query_params.get("next", "/"), default="/profile")
    return await _go_to_service(request, request.path_params["service_id"], Purpose.LOGIN, target)


async def callback(request: Request) -> Response:
    service_id: str = request.path_params["service_id"]
    params = dict(request.query_params)
    if len(service_id) > MAX_SERVICE_ID_LENGTH:
        return _problem(service_id[:MAX_SERVICE_ID_LENGTH], "service_unavailable", "/")
    # asked by id, before any lookup: services an administrator adds (OpenID Connect)
    # have ids of their own, and never need a page
    provider = PROVIDERS.get(service_id)
    page = provider.callback_page(params, problem_url=NO_ANSWER_PAGE) if provider else None
    if page is not None:
        return HTMLResponse(with_script_nonce(page, request))  # our CSP
    outcome = await social_callback.finish(
        service_id=service_id,
        callback=params,
        browser=request.session[asking.BROWSER_KEY],
        auth_token=str(request.session.get(asking.AUTH_KEY, "")),
        user_agent=request.headers.get("user-agent", ""),
        address=request.client.host if request.client else "",
    )
    if outcome.refusal is not None:
        return _problem(service_id, outcome.refusal, outcome.next_path, outcome.purpose)
    if outcome.tried:  # kept for the administrator who tried, and shown once
        return RedirectResponse(TRIED_PAGE, status_code=303)
    if outcome.auth_token is not None:  # signed in: a fresh cookie, nothing from before
        asking.start_new_browser_session(request.session, auth=outcome.auth_token)
    if outcome.linked:
        return RedirectResponse(f"/profile?linked={quote(service_id)}", status_code=303)
    return RedirectResponse(safe_next(outcome.next_path), status_code=303)


#: the sign-in's own two requests, served on the short path (admin_app.web.signin_lane)
LANE_ROUTES: list[BaseRoute] = [
    Route("/oauth/{service_id}/login", start_sign_in, methods=["GET"]),
    Route("/oauth/{service_id}/callback", callback, methods=["GET"]),
]


def register() -> None:
    """The round trip's other routes: posted forms, which NiceGUI's stack serves."""

    @app.post("/oauth/{service_id}/link", include_in_schema=False)
    async def start_linking(request: Request, service_id: str) -> Response:
        form = await request.form()
        if not session.csrf_token_is_valid(request.session, str(form.get("csrf", ""))):
            # forged, or a page from before signing in again: nothing starts
            return _problem(service_id, "state_invalid", "/profile", Purpose.LINK)
        user_id = current_user_id_for(request.session)
        if user_id is None:
            return _problem(service_id, "not_signed_in", "/profile")
        if (refusal := social_link.start_refusal(user_id)) is not None:
            return _problem(service_id, refusal, "/profile", Purpose.LINK)
        return await _go_to_service(request, service_id, Purpose.LINK, "/profile", user_id)

    @app.get("/oauth/{service_id}/confirm", include_in_schema=False)
    async def start_confirming(request: Request, service_id: str, ticket: str = "") -> Response:
        """Sign in to the account that has the address another service gave, with a
        service linked to it (the offer's page, ``existing_account``)."""
        back = existing_account.page_path(ticket)
        browser = request.session[asking.BROWSER_KEY]
        owner = existing_account.confirm_start(ticket, service_id, browser)
        if isinstance(owner, str):
            return _problem(service_id, owner, back, Purpose.CONFIRM)
        return await _go_to_service(request, service_id, Purpose.CONFIRM, back, owner)

    @app.post("/oauth/{service_id}/try", include_in_schema=False)
    async def start_trying(request: Request, service_id: str) -> Response:
        """An administrator's "Try it": the real round trip, creating and linking nothing."""
        form = await request.form()
        if not session.csrf_token_is_valid(request.session, str(form.get("csrf", ""))):
            return RedirectResponse("/admin", status_code=303)
        user_id = current_administrator_id_for(request.session)
        if user_id is None:
            return RedirectResponse("/admin", status_code=303)
        scope = str(form.get("scope", "")) or None
        return await _go_to_service(request, service_id, Purpose.TRY, "/admin", user_id, scope)

    @app.post("/oauth/{service_id}/callback", include_in_schema=False)
    async def callback_posted(request: Request, service_id: str) -> Response:
        # form_post answers (Apple) arrive as a cross-site POST, which carries no
        # SameSite=Lax cookie; a redirect to the GET form brings the browser back with it.
        form = await request.form()
        query = urlencode({key: str(value) for key, value in form.items()})
        return RedirectResponse(f"/oauth/{quote(service_id)}/callback?{query}", status_code=303)
