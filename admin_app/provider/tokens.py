"""The token endpoint: a code for tokens, a refresh token for new ones.

A code is taken once, by the application it was issued to, with the redirect URI and the
PKCE verifier it was issued for; a refresh token is rotated at every use. Presenting a
used one revokes its grant (``models.provider_grants``). Before anything is issued the
person is checked again (``access.refusal``), and a refresh also needs the sign-in
session it came from: signing out, or that session ending, ends the application's too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from models import auth_sessions, logout_deliveries, provider_grants
from models.db import session_scope
from models.provider_grants import Kind
from models.sites import site_for_host
from models.tables import Application, ProviderGrant, Site, User

from . import access, client_auth, signing
from .claims import claims
from .issuers import issuer_of
from .lifetimes import ACCESS_TOKEN_LIFETIME, ID_TOKEN_LIFETIME, REFRESH_TOKEN_LIFETIME

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True)
class TokenAnswer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=lambda: dict(NO_STORE))


def _error(code: str, description: str, status: int = 400) -> TokenAnswer:
    return TokenAnswer(status, {"error": code, "error_description": description})


def _invalid_client(*, basic: bool) -> TokenAnswer:
    answer = _error("invalid_client", "client authentication failed", 401)
    if basic:
        answer.headers["WWW-Authenticate"] = 'Basic realm="socialservices"'
    return answer


def exchange(form: dict[str, str], *, authorization: str | None, host: str | None) -> TokenAnswer:
    proof = client_auth.read_proof(authorization, form)
    grant_type = form.get("grant_type", "")
    with session_scope() as session:
        site = site_for_host(session, host)
        application = client_auth.authenticated(session, proof, site.id)
        if application is None:
            return _invalid_client(basic=bool(authorization))
        if grant_type == "authorization_code":
            return _from_code(session, site, application, form)
        if grant_type == "refresh_token":
            return _from_refresh(session, site, application, form)
    return _error("unsupported_grant_type", "authorization_code or refresh_token")


def _pkce_holds(challenge: str, verifier: str) -> bool:
    if not challenge:
        return not verifier  # a verifier for a code issued without one: a downgrade
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    computed = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return hmac.compare_digest(computed, challenge)


def _from_code(
    session: Session, site: Site, application: Application, form: dict[str, str]
) -> TokenAnswer:
    taken = provider_grants.take(session, form.get("code", ""), Kind.CODE)
    grant, token = taken.grant, taken.token
    if grant is None or token is None:
        return _error("invalid_grant", f"the code is {taken.problem}")
    if grant.application_id != application.id:
        return _error("invalid_grant", "the code was issued to another client")
    if form.get("redirect_uri", "") != token.redirect_uri:
        return _error("invalid_grant", "redirect_uri differs from the authorization request's")
    if not _pkce_holds(token.code_challenge, form.get("code_verifier", "")):
        return _error("invalid_grant", "the PKCE code_verifier does not match")
    return _issue(session, site, application, grant, taken.user, with_nonce=True)


def _from_refresh(
    session: Session, site: Site, application: Application, form: dict[str, str]
) -> TokenAnswer:
    taken = provider_grants.take(session, form.get("refresh_token", ""), Kind.REFRESH)
    grant = taken.grant
    if grant is None:
        return _error("invalid_grant", f"the refresh token is {taken.problem}")
    if grant.application_id != application.id:
        return _error("invalid_grant", "the refresh token was issued to another client")
    if auth_sessions.active_by_hash(session, grant.session_hash) is None:
        provider_grants.revoke_grant(session, grant.id)
        return _error("invalid_grant", "the sign-in session has ended")
    return _issue(session, site, application, grant, taken.user, with_nonce=False)


def _issue(
    session: Session,
    site: Site,
    application: Application,
    grant: ProviderGrant,
    user: User | None,
    *,
    with_nonce: bool,
) -> TokenAnswer:
    refused, groups = access.checked(session, application, user)
    if refused is not None or user is None:
        provider_grants.revoke_grant(session, grant.id)
        return _error("invalid_grant", "the person may no longer sign in to this application")
    access_token = provider_grants.issue(session, grant, Kind.ACCESS, ACCESS_TOKEN_LIFETIME)
    refresh_token = provider_grants.issue(session, grant, Kind.REFRESH, REFRESH_TOKEN_LIFETIME)
    now = int(time.time())
    id_claims: dict[str, Any] = {
        **claims(session, site, user, grant, group_codes=groups),
        "iss": issuer_of(site),
        "aud": application.client_id,
        "azp": application.client_id,
        "iat": now,
        "exp": now + int(ID_TOKEN_LIFETIME.total_seconds()),
        "auth_time": int(grant.auth_time.timestamp()),
        "at_hash": _left_half_hash(access_token),
    }
    if with_nonce and grant.nonce is not None:
        id_claims["nonce"] = grant.nonce
    if grant.session_hash:  # the sid its back-channel logout will name
        id_claims["sid"] = logout_deliveries.session_id(grant.session_hash, application.id)
    body = {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
        "refresh_token": refresh_token,
        "id_token": signing.sign(session, id_claims),
        "scope": grant.scope,
    }
    return TokenAnswer(200, body)


def _left_half_hash(token: str) -> str:
    """``at_hash`` for RS256 (OpenID Connect Core 3.1.3.6)."""
    digest = hashlib.sha256(token.encode()).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).decode().rstrip("=")
