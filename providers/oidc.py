"""Any OpenID Connect provider, by issuer URL (Keycloak, Authentik, Okta, Auth0, ...).

An administrator may add it several times, each under a name of their own.

How the client authenticates at the token endpoint is read from the issuer's discovery
document (``token_endpoint_auth_methods_supported``) unless the administrator chooses:
with the client secret (``client_secret_basic``, ``client_secret_post``), with a key of
ours (``private_key_jwt``: ``providers.client_assertion``), or not at all (``none``, a
public client, which PKCE protects: every OpenID Connect sign-in here sends it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from providers.base import N_, ProviderError, SettingField
from providers.client_assertion import ASSERTION_TYPE, client_assertion, load_client_key
from providers.openid import OpenIDProvider
from providers.values import origin

AUTOMATIC = "automatic"
SECRET_METHODS = ("client_secret_basic", "client_secret_post")
#: the client authentication methods this service speaks, in the order the automatic
#: choice prefers them among those the issuer offers and the settings allow: a secret
#: that works goes on working when a key is made (choose private_key_jwt to use the key)
CLIENT_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt", "none")
#: the issuer's default when its metadata lists no methods (RFC 8414, section 2)
DEFAULT_METHOD = "client_secret_basic"


def usable_methods(settings: Mapping[str, str]) -> tuple[str, ...]:
    """The methods the settings allow, in order of preference: a secret for the secret
    methods, a key for ``private_key_jwt``; ``none`` needs nothing."""
    return tuple(
        method
        for method in CLIENT_AUTH_METHODS
        if (method not in SECRET_METHODS or settings.get("client_secret"))
        and (method != "private_key_jwt" or settings.get("client_key"))
    )


def automatic_choice(offered: Any, settings: Mapping[str, str]) -> str | None:
    """The method to use with an issuer that offers ``offered`` (its metadata's list, or
    None when it says nothing); None when none of them can be used with these settings."""
    usable = usable_methods(settings)
    if not isinstance(offered, list):  # nothing said: the default, else what we can do
        return DEFAULT_METHOD if DEFAULT_METHOD in usable else usable[0]
    return next((method for method in usable if method in offered), None)


class OpenIDConnect(OpenIDProvider):
    id = "oidc"
    title = N_("OpenID Connect")
    multiple = True
    required_endpoints = ("issuer",)
    endpoints: ClassVar[Mapping[str, str]] = {
        "issuer": "",
        "authorize_url": "",
        "token_url": "",
        "api_url": "",
        "jwks_uri": "",
        "revocation_url": "",  # else the discovery document's revocation_endpoint
    }
    fields = (
        SettingField("client_id", N_("Client ID")),
        SettingField(
            "client_secret",
            N_("Client secret"),
            secret=True,
            required=False,
            hint=N_("Not needed for a public client (none) nor for private_key_jwt."),
        ),
        SettingField(
            "client_auth",
            N_("Client authentication"),
            required=False,
            default=AUTOMATIC,
            choices=(AUTOMATIC, *CLIENT_AUTH_METHODS),
            hint=N_(
                "automatic (from the issuer's discovery document), client_secret_basic, "
                "client_secret_post, private_key_jwt or none."
            ),
        ),
        SettingField(
            "client_key",
            N_("Client private key (private_key_jwt)"),
            secret=True,
            required=False,
            multiline=True,
            hint=N_(
                'Made by "Create a key" below; or paste a PEM RSA or P-256 private key of your own.'
            ),
        ),
    )
    help = N_(
        "Any provider that speaks OpenID Connect (Keycloak, Authentik, Okta, Auth0, Zitadel, "
        "GitLab and others).\n\n"
        '1. In the provider\'s console create a client (a "web application") that uses the '
        "authorization code flow.\n"
        "2. Add the redirect URI shown below to its allowed redirect URIs.\n"
        "3. Allow the scopes openid, email and profile.\n"
        '4. Copy the client ID here, and enter the issuer URL under "Advanced" (for '
        "Keycloak: https://HOST/realms/REALM). The endpoints are read from "
        "ISSUER/.well-known/openid-configuration; for an issuer without that document "
        "enter its authorization, token and JWKS URLs (and its UserInfo URL if it has one) "
        'under "Advanced" too.\n'
        "5. Client authentication: a confidential client has a client secret: copy it "
        "here. A public client has none: PKCE protects its sign-ins. For private_key_jwt "
        'choose it under "Client authentication", save, and register the JWKS URL shown '
        "below with the client at the provider (or paste the key shown there). "
        '"automatic" picks one the issuer offers in its discovery document.'
    )

    @classmethod
    def is_complete(cls, values: Mapping[str, str], endpoints: Mapping[str, str]) -> bool:
        """A method chosen by name must have what it signs with."""
        chosen = values.get("client_auth") or AUTOMATIC
        return super().is_complete(values, endpoints) and (
            chosen not in CLIENT_AUTH_METHODS or chosen in usable_methods(values)
        )

    @classmethod
    def identity_issuer(cls, endpoints: Mapping[str, str]) -> str:
        """The issuer, and where its keys come from when they are configured elsewhere:
        whoever answers at that JWKS URL could sign tokens naming the issuer, so moving
        the keys is moving the issuer."""
        issuer = super().identity_issuer(endpoints)
        keys = endpoints.get("jwks_uri")
        if keys and origin(keys) != origin(issuer):
            return f"{issuer} (keys: {origin(keys)})"
        return issuer

    def configuration_checks(self) -> list[Callable[[], object]]:
        return [self._check_choice, self._check_key]

    @property
    def chosen_method(self) -> str:
        """The administrator's choice, or ``AUTOMATIC``."""
        return self.config.settings.get("client_auth", "").strip() or AUTOMATIC

    def _check_choice(self) -> None:
        chosen = self.chosen_method
        if chosen != AUTOMATIC and chosen not in CLIENT_AUTH_METHODS:
            names = ", ".join((AUTOMATIC, *CLIENT_AUTH_METHODS))
            raise ProviderError("misconfigured", f"client_auth is not one of {names}")
        if chosen in SECRET_METHODS and not self.config.settings.get("client_secret"):
            raise ProviderError("misconfigured", f"client_secret is needed for {chosen}")
        if chosen == "private_key_jwt" and not self.config.settings.get("client_key"):
            raise ProviderError("misconfigured", "client_key is needed for private_key_jwt")

    def _check_key(self) -> None:
        if self.config.settings.get("client_key"):
            load_client_key(self.config.settings["client_key"])

    def client_auth_options(self) -> tuple[str, ...]:
        chosen = self.chosen_method
        return usable_methods(self.config.settings) if chosen == AUTOMATIC else (chosen,)

    async def client_auth_method(self) -> str:
        """The method this service authenticates with: the administrator's, else the
        first the issuer offers and the settings allow; ProviderError (naming what the
        issuer ``offers`` and what these settings could ``use``) when there is none."""
        self._check_choice()
        if self.chosen_method != AUTOMATIC:
            return self.chosen_method
        offered = (await self.metadata()).get("token_endpoint_auth_methods_supported")
        method = automatic_choice(offered, self.config.settings)
        if method is None:
            raise ProviderError(
                "misconfigured",
                f"the issuer supports only {offered}",
                offers=_listed(offered)[:300],
                uses=_listed(self.client_auth_options()),
            )
        return method

    async def authenticate_client(
        self, form: dict[str, str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """The chosen method's credentials on a token (or revocation) request."""
        method = await self.client_auth_method()
        if method == "client_secret_basic":  # OpenIDProvider's own token_auth
            return await super().authenticate_client(form)
        form["client_id"] = self.client_id
        if method == "client_secret_post":
            form["client_secret"] = self.client_secret
        elif method == "private_key_jwt":
            key = load_client_key(self.setting("client_key"))
            form["client_assertion_type"] = ASSERTION_TYPE
            form["client_assertion"] = client_assertion(
                key, client_id=self.client_id, audience=await self.token_url()
            )
        return form, {}


def _listed(methods: Sequence[Any] | Any) -> str:
    return ", ".join(str(method) for method in methods) if isinstance(methods, list | tuple) else ""
