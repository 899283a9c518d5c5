"""Microsoft work, school and personal accounts: the Microsoft identity platform (v2.0).

OpenID Connect with a tenant in every URL: ``https://login.microsoftonline.com/<tenant>/v2.0``
is the issuer, ``…/<tenant>/oauth2/v2.0/authorize`` and ``…/token`` the endpoints, where the
tenant is ``common`` (any account), ``organizations`` (work or school), ``consumers``
(personal) or one directory by id or domain name. An endpoint override may contain
``{tenant}``; when only the issuer is overridden, the other endpoints come from its
discovery document and Microsoft Graph is not called.

The multi-tenant discovery documents name the issuer ``…/{tenantid}/v2.0``: the ``tid`` of
the token takes the placeholder's place, and a configured tenant must be the token's.
Users are told apart by ``tid`` and ``oid`` together — never by e-mail, which Microsoft
neither guarantees nor verifies. Microsoft Graph ``/me`` only completes the names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

from providers.base import (
    N_,
    AuthorizationRequest,
    ExternalProfile,
    ProviderError,
    ServiceConfig,
    SettingField,
    TokenSet,
    identifier,
    text,
)
from providers.openid import OpenIDProvider

#: the tenant of personal Microsoft accounts
CONSUMERS_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"
#: Microsoft writes GUIDs in lower case; they are compared without regard to case, and
#: kept as sent in the account id (``tid:oid``), which is compared exactly
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
DOMAIN = re.compile(
    r"(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]"
)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class Office365(OpenIDProvider):
    id = "office365"
    title = N_("Microsoft 365 (Office 365)")
    endpoints: ClassVar[Mapping[str, str]] = {
        "issuer": "https://login.microsoftonline.com/{tenant}/v2.0",
        "authorize_url": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
        "token_url": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
        "api_url": "https://graph.microsoft.com/v1.0/me",
    }
    scopes = ("openid", "email", "profile", "offline_access", "User.Read")
    token_auth = "client_secret_post"
    # The Microsoft identity platform has no endpoint where an application revokes the
    # refresh token it holds (its discovery document names none; Graph's
    # revokeSignInSessions ends every session of the person, far more than one grant):
    # unlinking only forgets the tokens.
    revokes = False
    extra_authorize_params: ClassVar[Mapping[str, str]] = {"prompt": "select_account"}
    fields: ClassVar[tuple[SettingField, ...]] = (
        SettingField("client_id", N_("Application (client) ID")),
        SettingField("client_secret", N_("Client secret (value)"), secret=True),
        SettingField(
            "tenant",
            N_("Tenant"),
            required=False,
            default="common",
            hint=N_(
                "common: any Microsoft account; organizations: work or school accounts; "
                "consumers: personal accounts; or your directory (tenant) ID or domain to "
                "admit your organisation only."
            ),
        ),
    )
    help = N_(
        "1. Open the Microsoft Entra admin center (https://entra.microsoft.com) → "
        '"App registrations" → "New registration" (or "App registrations" in the Azure '
        "portal, https://portal.azure.com).\n"
        '2. Enter a name and choose the "Supported account types" that match the tenant below: '
        "any organisation and personal accounts (common), any organisation (organizations), "
        "personal accounts only (consumers), or this organisation only (your tenant ID).\n"
        '3. Under "Redirect URI" choose the platform "Web" and paste the redirect URI shown '
        'below, then click "Register".\n'
        '4. On the "Overview" page copy the "Application (client) ID" here; for a '
        'single-tenant app also copy the "Directory (tenant) ID" into "Tenant".\n'
        '5. In "Certificates & secrets" → "Client secrets" click "New client secret" and copy '
        'its "Value" (not the "Secret ID") here at once. Note its expiry date: a new secret '
        "is needed before then.\n"
        '6. "API permissions" already has Microsoft Graph "User.Read"; the sign-in also asks '
        'for "openid", "email", "profile" and "offline_access".\n\n'
        "Documentation: https://learn.microsoft.com/entra/identity-platform/"
        "quickstart-register-app"
    )

    def __init__(self, config: ServiceConfig) -> None:
        super().__init__(config)
        self._issuer_template = ""

    # -- the tenant and the endpoints that follow from it

    def configuration_checks(self) -> list[Callable[[], object]]:
        return [lambda: self.tenant]

    @property
    def tenant(self) -> str:
        value = self.setting("tenant").strip().lower()
        if not (
            value in {"common", "organizations", "consumers"}
            or GUID.fullmatch(value)
            or DOMAIN.fullmatch(value)
        ):
            raise ProviderError("misconfigured", "tenant is not a tenant id or domain name")
        return value

    def with_tenant(self, url: str) -> str:
        return url.replace("{tenant}", self.tenant)

    @property
    def issuer(self) -> str:
        return self.with_tenant(self.endpoint("issuer")).rstrip("/")

    async def _tenant_endpoint(self, key: str, discovered: str) -> str:
        override = self.config.endpoints.get(key)
        if override:
            return self.with_tenant(override)
        if self.config.endpoints.get("issuer"):  # everything follows an overridden issuer
            value = (await self.metadata()).get(discovered)
            if not value:
                raise ProviderError("misconfigured", f"discovery has no {discovered}")
            return str(value)
        return self.with_tenant(self.endpoints[key])

    async def authorize_url(self) -> str:
        return await self._tenant_endpoint("authorize_url", "authorization_endpoint")

    async def token_url(self) -> str:
        return await self._tenant_endpoint("token_url", "token_endpoint")

    def graph_url(self) -> str | None:
        """Microsoft Graph ``/me``, unless an overridden issuer is not Microsoft's."""
        override = self.config.endpoints.get("api_url")
        if override:
            return override
        if self.config.endpoints.get("issuer"):
            return None
        return self.endpoints["api_url"]

    # -- the ID token

    def accepted_issuers(self, claims: Mapping[str, Any]) -> list[str]:
        template = self._issuer_template or self.issuer
        if "{tenantid}" not in template:
            return [template]
        tid = identifier(claims.get("tid"))  # as in the token's own iss
        return [template.replace("{tenantid}", tid)] if GUID.fullmatch(tid) else []

    def check_discovered_issuer(self, discovered: str) -> None:
        # Multi-tenant documents name a template (.../{tenantid}/v2.0) or the tenant's own
        # issuer rather than the one we asked: the host must be the same.
        if urlsplit(discovered)[:2] != urlsplit(self.issuer)[:2]:
            raise ProviderError("misconfigured", "discovery names an issuer on another host")

    async def verify_id_token(self, id_token: str | None, nonce: str | None) -> dict[str, Any]:
        self._issuer_template = text((await self.metadata()).get("issuer")).rstrip("/")
        claims = await super().verify_id_token(id_token, nonce)
        self.check_tenant(identifier(claims.get("tid")).lower())
        return claims

    def check_tenant(self, tid: str) -> None:
        """The token must come from the configured tenant (or kind of tenant)."""
        tenant = self.tenant
        if GUID.fullmatch(tenant):
            allowed = tid == tenant
        elif tenant == "consumers":
            allowed = tid == CONSUMERS_TENANT_ID
        elif tenant == "organizations":
            allowed = tid != CONSUMERS_TENANT_ID
        else:  # common; a domain name is enforced by its discovery document's issuer
            allowed = True
        if not allowed:
            raise ProviderError("invalid_response", f"the ID token is from tenant {tid!r}")

    # -- the profile

    async def fetch_profile(
        self, tokens: TokenSet, request: AuthorizationRequest, callback: Mapping[str, str]
    ) -> dict[str, Any]:
        claims = await self.verify_id_token(tokens.id_token, request.nonce)
        graph_url = self.graph_url()
        if not graph_url:
            return claims
        me = await self.get_json(graph_url, token=tokens.access_token)
        # Graph's id is the oid for work and school accounts (personal ones use another form).
        graph_id = text(me.get("id")).lower()
        if GUID.fullmatch(graph_id) and graph_id != identifier(claims.get("oid")).lower():
            raise ProviderError("invalid_response", "Microsoft Graph answered about another user")
        return {**claims, "graph": me}

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        graph = raw.get("graph")
        me: Mapping[str, Any] = graph if isinstance(graph, dict) else {}
        # as Microsoft sends them (lower case): an account id is never altered
        tid, oid = identifier(raw.get("tid")), identifier(raw.get("oid"))
        username = text(raw.get("preferred_username"))
        email = next(
            (value for value in (text(raw.get("email")), username) if EMAIL.fullmatch(value)),
            None,
        )
        first = text(me.get("givenName")) or text(raw.get("given_name"))
        last = text(me.get("surname")) or text(raw.get("family_name"))
        if not first and not last:
            first, _, last = (text(me.get("displayName")) or text(raw.get("name"))).partition(" ")
        return ExternalProfile(
            external_id=f"{tid}:{oid}" if tid and oid else "",
            login_hint=username.split("@")[0],
            first_name=first.strip(),
            last_name=last.strip(),
            email=email,
            # Microsoft says the e-mail "isn't guaranteed to be correct": never verified.
            email_verified=False,
            raw=dict(raw),
        )
