"""Which issuer an application's request reaches, and what discovery tells about it.

Each site is its own issuer, at its own address (``site_urls.site_base_url``): PUBLIC_URL
for the default site, a site's first host name for a site reached by its host names. An
application belongs to one site and is served only by that site's issuer, so a client id
of one site means nothing on another.
"""

from __future__ import annotations

from typing import Any

from admin_app.services.site_urls import site_base_url
from models.db import read_scope
from models.sites import site_for_host
from models.tables import Site

from .signing import ALGORITHMS

SCOPES = ("openid", "profile", "email", "groups", "linked_services", "offline_access")
CLAIMS = (
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "sid",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "picture",
    "locale",
    "email",
    "email_verified",
    "groups",
    "linked_services",
)


def site_of_host(host: str | None) -> Site:
    with read_scope() as session:
        return site_for_host(session, host)


def issuer_of(site: Site) -> str:
    return site_base_url(site)


def discovery(issuer: str) -> dict[str, Any]:
    """The OpenID Provider Metadata (OpenID Connect Discovery 1.0, section 3)."""
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oidc/authorize",
        "token_endpoint": f"{issuer}/oidc/token",
        "userinfo_endpoint": f"{issuer}/oidc/userinfo",
        "jwks_uri": f"{issuer}/oidc/jwks",
        "revocation_endpoint": f"{issuer}/oidc/revoke",
        "end_session_endpoint": f"{issuer}/oidc/logout",
        "scopes_supported": list(SCOPES),
        "claims_supported": list(CLAIMS),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": list(ALGORITHMS),
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "revocation_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        "frontchannel_logout_supported": False,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "ui_locales_supported": ["en", "ru"],
    }
