"""Any OpenID Connect provider, by issuer URL (Keycloak, Authentik, Okta, Auth0, ...).

An administrator may add it several times, each under a name of their own.
"""

from __future__ import annotations

from providers.base import CLIENT_CREDENTIALS, N_, ProviderError
from providers.openid import OpenIDProvider


class OpenIDConnect(OpenIDProvider):
    id = "oidc"
    title = N_("OpenID Connect")
    multiple = True
    required_endpoints = ("issuer",)
    fields = CLIENT_CREDENTIALS
    help = N_(
        "Any provider that speaks OpenID Connect (Keycloak, Authentik, Okta, Auth0, Zitadel, "
        "GitLab and others).\n\n"
        '1. In the provider\'s console create a confidential client (a "web application") '
        "that uses the authorization code flow.\n"
        "2. Add the redirect URI shown below to its allowed redirect URIs.\n"
        "3. Allow the scopes openid, email and profile.\n"
        "4. Copy the client ID and the client secret here, and enter the issuer URL under "
        '"Advanced" (for Keycloak: https://HOST/realms/REALM). The endpoints are read from '
        "ISSUER/.well-known/openid-configuration."
    )

    async def authenticate_client(
        self, form: dict[str, str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """HTTP Basic unless the issuer says it only takes the secret in the form."""
        supported = (await self.metadata()).get("token_endpoint_auth_methods_supported")
        if isinstance(supported, list) and "client_secret_basic" not in supported:
            if "client_secret_post" not in supported:
                offers = ", ".join(str(method) for method in supported)
                raise ProviderError(
                    "misconfigured",
                    f"the issuer supports only {supported}",
                    offers=offers[:300],
                    uses="client_secret_basic, client_secret_post",
                )
            form["client_id"] = self.client_id
            form["client_secret"] = self.client_secret
            return form, {}
        return await super().authenticate_client(form)
