"""Forward authentication: the reverse proxy of an application that knows no OpenID
Connect asks us, on every request, whether the browser's person may pass.

Three steps, each with one job:
- ``verify`` answers the proxy (``/auth/verify``): yes with who it is, "sign in first",
  or no. It reads the cookie the proxy passes on: ours, set on the application's own host
  by ``land`` (a grant of the session, so signing out ends it at once), or, when the
  administrator named a parent domain, the session cookie itself.
- ``start`` is where the proxy sends a browser that must sign in (``/auth/start`` on our
  host): after our sign-in it checks the application's rules and sends the browser back
  with a one-time code, only ever to a host the application is registered for.
- ``land`` takes that code on the application's host (``/_socialservices/callback``,
  which the proxy passes to us) and sets the cookie there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import quote, unquote, urlsplit

from sqlalchemy import Connection
from sqlmodel import Session

from admin_app.auth.safe_next import MAX_NEXT_LENGTH
from admin_app.core import runtime
from models import applications, auth_sessions, provider_grants, proxy_access
from models.db import read_connection, read_scope, session_scope
from models.provider_grants import Kind
from models.sites import site_for_host
from models.tables import Application, User

from . import access
from .claims import PAIRWISE, subject_of
from .lifetimes import CODE_LIFETIME

START_PATH = "/auth/start"
CALLBACK_PATH = "/_socialservices/callback"
#: the cookie set on an application's host: a grant's token, nothing else
PROXY_COOKIE = "socialservices_proxy"
#: as long as an idle session lives: the session's own end is what ends it
PROXY_LIFETIME = auth_sessions.IDLE_LIFETIME


@dataclass(frozen=True)
class Original:
    """The request the proxy is deciding on."""

    scheme: str
    #: lower-case, no port: what applications register
    host: str
    #: host and port, as the browser addressed it
    netloc: str
    #: path and query
    target: str

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.netloc}{self.target}"


def parse_original(url: str) -> Original | None:
    """An absolute http(s) URL with a host, else None."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises on a port that is no number
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or parts.username is not None:
        return None
    if any(ord(char) < 33 for char in url):
        return None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Original(parts.scheme, host, parts.netloc.lower(), target)


def original_of(headers: dict[str, str]) -> Original | None:
    """The request as nginx (``X-Original-URL``), Traefik or Caddy (``X-Forwarded-Proto``,
    ``-Host``, ``-Uri``) pass it; ``headers`` with lower-case names."""
    if url := headers.get("x-original-url"):
        return parse_original(url)
    host = headers.get("x-forwarded-host", "").split(",")[0].strip()
    if not host:
        return None
    scheme = headers.get("x-forwarded-proto", "https").split(",")[0].strip()
    return parse_original(f"{scheme}://{host}{headers.get('x-forwarded-uri') or '/'}")


class Verdict(StrEnum):
    ALLOWED = "allowed"  # 200, with the person's headers
    SIGN_IN = "sign_in"  # 401: nobody is signed in here (or no longer)
    REFUSED = "refused"  # 403: the person may not use this application
    UNKNOWN = "unknown"  # 403: no application serves this host (or no request was named)


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    headers: dict[str, str] = field(default_factory=dict)
    #: for REFUSED: a code of ``policy.application_refusal``
    reason: str = ""
    application: str = ""
    login: str = ""


def verify(original: Original | None, *, proxy_token: str, session_token: str) -> Verification:
    """What to answer the proxy for the browser that sent these cookies: one read when
    the application's own cookie came (``models.proxy_access``), two or three otherwise."""
    if original is None:
        return Verification(Verdict.UNKNOWN)
    with read_connection() as connection:
        found = proxy_access.by_proxy_cookie(connection, proxy_token)
        if found is None or original.host not in found.hosts:
            with Session(connection) as session:
                application = applications.proxy_for_host(session, original.host)
            if application is None:
                return Verification(Verdict.UNKNOWN)
            found = _by_session_cookie(connection, session_token, application.id)
            if found is None:
                return Verification(Verdict.SIGN_IN, application=application.name)
    if not found.is_active or not auth_sessions.is_current(found.activated_at, found.last_seen_at):
        return Verification(Verdict.SIGN_IN, application=found.application_name)
    groups = found.groups
    refusal = access.refusal_of(
        found.everyone,
        found.allowed_groups,
        is_active=found.is_active,
        groups=groups,
        in_denied_group=found.in_denied_group,
    )
    if refusal is not None:
        return Verification(Verdict.REFUSED, {}, refusal, found.application_name, found.login)
    if auth_sessions.needs_touch(found.last_seen_at):
        with session_scope() as session:
            auth_sessions.touch(session, found.session_hash)
    headers = {
        "X-Auth-Request-User": _subject(found),
        "X-Auth-Request-Preferred-Username": found.login,
        "X-Auth-Request-Groups": ",".join(sorted(groups)),
    }
    if found.email and found.email_verified:
        headers["X-Auth-Request-Email"] = found.email
    return Verification(
        Verdict.ALLOWED, headers, application=found.application_name, login=found.login
    )


def _subject(found: proxy_access.ProxyPass) -> str:
    """``sub`` as the site's OpenID Connect applications get it (a pairwise one reads the
    installation's salt)."""
    if found.subject_type != PAIRWISE:
        return str(found.user_id)
    with read_scope() as session:
        return subject_of(session, found.site_id, found.subject_type, found.user_id)


def _by_session_cookie(
    connection: Connection, session_token: str, application_id: str
) -> proxy_access.ProxyPass | None:
    """Our session cookie reaches the application's host only when the administrator
    named a parent domain; without one it is not taken even if a browser sends it."""
    if not session_token or not runtime.settings().cookie_domain:
        return None
    return proxy_access.by_session_cookie(connection, session_token, application_id)


def start_location(original: Original) -> str:
    """Our sign-in step for a browser the proxy turned away (Traefik's and Caddy's 302)."""
    return runtime.settings().absolute_url(f"{START_PATH}?rd={quote(original.url, safe='')}")


def return_address(query_string: str) -> str:
    """``rd`` of ``/auth/start``. A proxy cannot URL-encode (nginx's ``return`` writes
    ``?rd=$scheme://$http_host$request_uri``), so when ``rd`` is the query's first
    parameter everything after ``rd=`` is the address, its own ``&`` included."""
    if not query_string.startswith("rd="):
        return ""
    value = query_string[3:]
    return unquote(value) if value[:8].lower() in ("http%3a%", "https%3a") else value


class Step(StrEnum):
    PROBLEM = "problem"  # our page: an address we will not send anyone to
    SIGN_IN = "sign_in"  # our sign-in page, which comes back here
    REFUSED = "refused"  # our page: this person may not use the application
    BACK = "back"  # to the application's host (with a one-time code, or straight)


@dataclass(frozen=True)
class StartDecision:
    step: Step
    location: str = ""
    reason: str = ""
    application: str = ""
    login: str = ""


def start(rd: str, *, host: str | None, auth_token: str) -> StartDecision:
    """Where a browser sent here by a proxy goes next."""
    original = parse_original(rd)
    if original is None or len(rd) > MAX_NEXT_LENGTH - 100:
        return StartDecision(Step.PROBLEM, reason="bad_return_address")
    with session_scope() as session:
        application = applications.proxy_for_host(session, original.host)
        if application is None or application.site_id != site_for_host(session, host).id:
            return StartDecision(Step.PROBLEM, reason="unknown_host")
        row = auth_sessions.active(session, auth_token)
        user = session.get(User, row.user_id) if row is not None else None
        if row is None or user is None or not user.is_active:
            next_path = f"{START_PATH}?rd={quote(original.url, safe='')}"
            return StartDecision(Step.SIGN_IN, "/login?next=" + quote(next_path, safe=""))
        if (refusal := access.refusal(session, application, user)) is not None:
            return StartDecision(
                Step.REFUSED, reason=refusal, application=application.name, login=user.login
            )
        if runtime.settings().cookie_covers(original.host):
            return StartDecision(Step.BACK, original.url)
        assert user.id is not None and row.activated_at is not None
        grant = provider_grants.new_grant(
            session,
            application_id=application.id,
            user_id=user.id,
            scope="",
            nonce=None,
            auth_time=row.activated_at,
            session_hash=row.token_hash,
        )
        code = provider_grants.issue(
            session, grant, Kind.PROXY_CODE, CODE_LIFETIME, redirect_uri=original.url
        )
    landing = f"{original.scheme}://{original.netloc}{CALLBACK_PATH}?code={quote(code)}"
    return StartDecision(Step.BACK, landing, application=application.name)


@dataclass(frozen=True)
class Landing:
    """The cookie to set on the application's host and where to go; or why not."""

    cookie: str = ""
    location: str = ""
    problem: str = ""


def land(code: str, *, host: str | None) -> Landing:
    """Take a one-time code on the application's host, once, within its minute."""
    here = (urlsplit(f"//{host or ''}").hostname or "").lower()
    with session_scope() as session:
        taken = provider_grants.take(session, code, Kind.PROXY_CODE)
        if taken.grant is None or taken.token is None:
            return Landing(problem="bad_code")
        original = parse_original(taken.token.redirect_uri)
        application = session.get(Application, taken.grant.application_id)
        if original is None or application is None or original.host != here:
            provider_grants.revoke_grant(session, taken.grant.id)
            return Landing(problem="bad_code")
        cookie = provider_grants.issue(session, taken.grant, Kind.PROXY, PROXY_LIFETIME)
    return Landing(cookie, original.target)


def application_for_start(rd: str, host: str | None) -> str | None:
    """The name of the proxy application a sign-in will return to, for "Sign in to X"."""
    original = parse_original(rd)
    if original is None:
        return None
    with read_scope() as session:
        application = applications.proxy_for_host(session, original.host)
        if application is None or application.site_id != site_for_host(session, host).id:
            return None
        return application.name
