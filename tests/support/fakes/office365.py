"""A fake Microsoft identity platform (v2.0) with a fake Microsoft Graph ``/me``.

Every tenant has its own paths, as at login.microsoftonline.com: ``/<tenant>/v2.0/.well-known/
openid-configuration``, ``/<tenant>/oauth2/v2.0/authorize`` and ``…/token``,
``/<tenant>/discovery/v2.0/keys``. The discovery documents of ``common`` and
``organizations`` name the issuer ``…/{tenantid}/v2.0``; those of ``consumers`` and of a
tenant id name that tenant's issuer. ID tokens carry ``tid`` and ``oid`` from the user's
profile and the issuer of the user's own tenant.

What it checks, beyond the OpenID fake: client credentials in the form
(client_secret_post), PKCE, and a bearer token at Graph, which answers in Graph's shape
(``id`` = the user's ``oid``, ``givenName``, ``surname``, ``mail``, ``userPrincipalName``) and
refuses with Graph's error object.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from providers.office365 import CONSUMERS_TENANT_ID
from tests.support.fakes.oauth import Grant, Response, json_response
from tests.support.fakes.openid import FakeOpenIDProvider

TENANT_PATH = re.compile(
    r"/(?P<tenant>[^/]+)/(?P<rest>v2\.0/\.well-known/openid-configuration"
    r"|discovery/v2\.0/keys|oauth2/v2\.0/authorize|oauth2/v2\.0/token)"
)
MULTI_TENANT = {"common", "organizations"}


class FakeMicrosoft(FakeOpenIDProvider):
    profile_path = "/v1.0/me"
    client_auth = "client_secret_post"
    require_pkce = True

    def endpoints(self) -> dict[str, str]:
        """The issuer, with the provider's tenant in it, and Graph: nothing else."""
        return {"issuer": self.url("/{tenant}/v2.0"), "api_url": self.url(self.profile_path)}

    def tenant_issuer(self, tenant: str) -> str:
        return self.url("/" + tenant + "/v2.0")

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: Mapping[str, str],
    ) -> Response:
        match = TENANT_PATH.fullmatch(path)
        if match:
            tenant, rest = match["tenant"], match["rest"]
            if rest.endswith("openid-configuration"):
                return json_response(self.tenant_discovery(tenant))
            if rest.endswith("keys"):
                return json_response({"keys": [self.signing_key.as_dict(private=False)]})
            path = self.authorize_path if rest.endswith("authorize") else self.token_path
        return super().route(method, path, query, form, headers)

    def tenant_discovery(self, tenant: str) -> dict[str, Any]:
        if tenant in MULTI_TENANT:
            issuer = self.tenant_issuer("{tenantid}")
        elif tenant == "consumers":
            issuer = self.tenant_issuer(CONSUMERS_TENANT_ID)
        else:
            issuer = self.tenant_issuer(tenant)
        return {
            **self.discovery(),
            "issuer": issuer,
            "authorization_endpoint": self.url(f"/{tenant}/oauth2/v2.0/authorize"),
            "token_endpoint": self.url(f"/{tenant}/oauth2/v2.0/token"),
            "jwks_uri": self.url(f"/{tenant}/discovery/v2.0/keys"),
            "userinfo_endpoint": self.url("/oidc/userinfo"),
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "tenant_region_scope": None,
        }

    def id_token_claims(self, grant: Grant) -> dict[str, Any]:
        claims = super().id_token_claims(grant)
        claims["iss"] = self.tenant_issuer(str(self.user_profile.get("tid", "")))
        claims["ver"] = "2.0"
        return claims

    def profile_endpoint(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str]
    ) -> Response:
        response = super().profile_endpoint(query, form, headers)
        if response.status == 401:
            return json_response(
                {
                    "error": {
                        "code": "InvalidAuthenticationToken",
                        "message": "Access token is empty.",
                    }
                },
                401,
            )
        return response

    def profile(self, profile: dict[str, Any], grant: Grant) -> Any:
        """Graph's ``/me`` for the user whose ID-token claims ``profile`` holds."""
        return {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
            "id": profile.get("oid"),
            "displayName": profile.get("name"),
            "givenName": profile.get("given_name"),
            "surname": profile.get("family_name"),
            "mail": profile.get("email"),
            "userPrincipalName": profile.get("preferred_username"),
            "businessPhones": [],
            "jobTitle": None,
            "mobilePhone": None,
            "officeLocation": None,
            "preferredLanguage": "ru-RU",
        }
