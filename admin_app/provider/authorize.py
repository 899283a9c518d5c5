"""The authorization endpoint: checks an application's request and answers it.

Only the authorization code flow. The order of the checks is the protocol's: until the
client and its exact redirect URI are known, nothing may be sent to the URI the request
names (an open redirector otherwise), so those problems get our own page. Every later
problem goes back to the application as the standard error response, with ``state`` and
``iss`` (RFC 9207). A browser that is not signed in (or signed in too long ago for
``max_age``, or told to sign in again by ``prompt=login``) is sent to our sign-in page,
which brings it back here.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlmodel import Session

from admin_app.auth.safe_next import MAX_NEXT_LENGTH
from models import applications, auth_sessions, provider_grants
from models.db import session_scope
from models.provider_grants import Kind
from models.sites import site_for_host
from models.tables import Application, AuthSession, User

from . import access, forward_auth
from .forward_auth import return_address
from .issuers import SCOPES, issuer_of
from .lifetimes import CODE_LIFETIME

PATH = "/oidc/authorize"
#: our own parameter: the sign-in must be after this moment (in milliseconds since the
#: epoch), set when a new sign-in was asked for (prompt=login, max_age)
LOGIN_AFTER = "login_after"
PKCE_CHALLENGE = re.compile(r"[A-Za-z0-9._~-]{43,128}")
MAX_VALUE = 2000


class Answer(StrEnum):
    PROBLEM = "problem"  # our page: the request cannot be answered to any application
    REDIRECT = "redirect"  # to the application (code or error) or to our sign-in page
    FORM_POST = "form_post"  # the response posted to the application by the browser


@dataclass(frozen=True)
class Decision:
    answer: Answer
    location: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    #: for PROBLEM: a key of ``problems.PROBLEMS``
    reason: str = ""


def _problem(reason: str) -> Decision:
    return Decision(Answer.PROBLEM, reason=reason)


def with_query(uri: str, values: dict[str, str]) -> str:
    """``uri`` with ``values`` added to its query (a registered URI may carry one)."""
    joiner = "&" if urlsplit(uri).query else "?"
    return uri + joiner + urlencode(values)


@dataclass(frozen=True)
class _Request:
    application: Application
    redirect_uri: str
    issuer: str
    state: str | None
    form_post: bool

    def reply(self, values: dict[str, str]) -> Decision:
        values = {**values, "iss": self.issuer}
        if self.state is not None:
            values["state"] = self.state
        if self.form_post:
            return Decision(Answer.FORM_POST, location=self.redirect_uri, fields=values)
        return Decision(Answer.REDIRECT, location=with_query(self.redirect_uri, values))

    def error(self, code: str, description: str) -> Decision:
        return self.reply({"error": code, "error_description": description})


def decide(params: dict[str, str], *, host: str | None, auth_token: str, language: str) -> Decision:
    """What to answer ``params`` (the query, or the posted form) with."""
    if any(len(value) > MAX_VALUE for value in params.values()):
        return _problem("request_too_long")
    with session_scope() as session:
        site = site_for_host(session, host)
        application = applications.by_client_id(session, params.get("client_id", ""))
        if application is None or application.site_id != site.id:
            return _problem("unknown_client")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in application.redirect_uris:
            return _problem("unknown_redirect_uri")
        mode = params.get("response_mode", "query")
        request = _Request(
            application, redirect_uri, issuer_of(site), params.get("state"), mode == "form_post"
        )
        if mode not in ("query", "form_post"):
            return request.error("invalid_request", "response_mode must be query or form_post")
        return _decide(session, request, params, auth_token, language)


def _decide(
    session: Session, request: _Request, params: dict[str, str], auth_token: str, language: str
) -> Decision:
    if "request" in params:
        return request.error("request_not_supported", "request objects are not supported")
    if "request_uri" in params:
        return request.error("request_uri_not_supported", "request_uri is not supported")
    if params.get("response_type") != "code":
        return request.error("unsupported_response_type", "only response_type=code is served")
    scopes = params.get("scope", "").split()
    if "openid" not in scopes:
        return request.error("invalid_scope", "the openid scope is required")
    challenge = params.get("code_challenge", "")
    method = params.get("code_challenge_method", "plain" if challenge else "")
    if challenge and (method != "S256" or not PKCE_CHALLENGE.fullmatch(challenge)):
        return request.error("invalid_request", "code_challenge must be an S256 challenge")
    if not challenge and request.application.kind == applications.PUBLIC:
        return request.error("invalid_request", "a public client must send a PKCE challenge")
    prompts = set(params.get("prompt", "").split())
    if "none" in prompts and len(prompts) > 1:
        return request.error("invalid_request", "prompt=none cannot be combined")
    max_age = params.get("max_age", "")
    if max_age and not max_age.isdigit():
        return request.error("invalid_request", "max_age must be a number of seconds")

    _held = provider_grants.load_session_with_user(session, auth_token)  # one read for both:
    row = auth_sessions.active(session, auth_token)
    user = session.get(User, row.user_id) if row is not None else None
    if user is None or not user.is_active or row is None or not _fresh(row, params, prompts):
        if "none" in prompts:
            return request.error("login_required", "the person must sign in")
        return _to_sign_in(request, params, again=row is not None)

    if (refusal := access.refusal(session, request.application, user)) is not None:
        return request.error("access_denied", _REFUSED.get(refusal, "refused"))
    assert row is not None and row.activated_at is not None and user.id is not None
    grant = provider_grants.new_grant(
        session,
        application_id=request.application.id,
        user_id=user.id,
        scope=" ".join(scope for scope in scopes if scope in SCOPES),
        nonce=params.get("nonce"),
        auth_time=row.activated_at,
        session_hash=row.token_hash,
        locale=language,
    )
    code = provider_grants.issue(
        session,
        grant,
        Kind.CODE,
        CODE_LIFETIME,
        redirect_uri=request.redirect_uri,
        code_challenge=challenge,
    )
    return request.reply({"code": code})


_REFUSED = {
    "user_blocked": "the account is blocked",
    "auth_denied_group": "the account's group may not sign in through this site",
    "application_denied": "the account is not among those this application is for",
}


def _fresh(row: AuthSession, params: dict[str, str], prompts: set[str]) -> bool:
    """The session's sign-in is recent enough: after the moment our sign-in page was
    asked for a new one (``LOGIN_AFTER``), else within ``max_age`` and not refused by
    ``prompt=login``."""
    if row.activated_at is None:
        return False
    signed_in_at = row.activated_at.timestamp()
    if params.get(LOGIN_AFTER, "").isdigit():  # milliseconds: a sign-in in the same second
        return signed_in_at * 1000 >= int(params[LOGIN_AFTER])
    max_age = params.get("max_age", "")
    if max_age and time.time() - signed_in_at > int(max_age):
        return False
    return "login" not in prompts


def _to_sign_in(request: _Request, params: dict[str, str], *, again: bool) -> Decision:
    """Our sign-in page, which comes back here. A browser signed in already must sign in
    anew (``prompt=login``, ``max_age``): it comes back with the moment after which that
    sign-in must be, instead of the condition that sent it (which would send it again)."""
    back = {key: value for key, value in params.items() if key != LOGIN_AFTER}
    if again:
        rest = " ".join(p for p in back.pop("prompt", "").split() if p != "login")
        back.update({"prompt": rest} if rest else {})
        back[LOGIN_AFTER] = str(time.time_ns() // 1_000_000)
    next_path = f"{PATH}?{urlencode(back)}"
    if len(next_path) > MAX_NEXT_LENGTH:
        return request.error("invalid_request", "the request is too long")
    query = {"next": next_path, **({"again": "1"} if again else {})}
    return Decision(Answer.REDIRECT, location="/login?" + urlencode(query))


def application_asking(next_path: str, host: str | None) -> str | None:
    """The name of the application whose request a sign-in page will return to, for
    "Sign in to Shop"; None when ``next_path`` is not such a request."""
    parts = urlsplit(next_path)
    if parts.path == forward_auth.START_PATH:
        return forward_auth.application_for_start(return_address(parts.query), host)
    if parts.path != PATH:
        return None
    client_id = dict(parse_qsl(parts.query)).get("client_id", "")
    with session_scope() as session:
        application = applications.by_client_id(session, client_id)
        if application is None or application.site_id != site_for_host(session, host).id:
            return None
        return application.name
