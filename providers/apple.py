"""Sign in with Apple: OpenID Connect with a signed client secret and a form_post callback.

Apple's quirks, from its Sign in with Apple REST API documentation:

- The client secret is not a stored value: it is a short-lived ES256 JWT that we sign with
  the private key (the .p8 file) Apple issued to the team, with the key id in the header.
- Asking for ``name`` or ``email`` requires ``response_mode=form_post``: Apple returns to
  the callback with a POST of ``code``, ``state`` and, on the user's FIRST authorization of
  this Services ID only, ``user`` (a JSON string with the name and e-mail).
- Apple has no UserInfo endpoint: the signed ID token is the profile. ``api_url`` is
  therefore the URL of Apple's public keys (JWKS), with which the ID token is verified;
  Apple documents all its endpoints, so no discovery document is fetched.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from providers.base import (
    N_,
    AuthorizationRequest,
    ExternalProfile,
    ProviderError,
    SettingField,
    TokenSet,
    identifier,
    text,
)
from providers.openid import OpenIDProvider
from providers.values import origin

#: Apple refuses client secrets valid for longer than six months (15,777,000 seconds).
MAX_CLIENT_SECRET_LIFETIME = 15_777_000


class Apple(OpenIDProvider):
    id = "apple"
    title = N_("Apple")
    endpoints: ClassVar[Mapping[str, str]] = {
        "issuer": "https://appleid.apple.com",
        "authorize_url": "https://appleid.apple.com/auth/authorize",
        "token_url": "https://appleid.apple.com/auth/token",
        # No UserInfo endpoint at Apple: the profile is the ID token, checked with these keys.
        "api_url": "https://appleid.apple.com/auth/keys",
        # RFC 7009-style, with the signed client secret as at the token endpoint
        "revocation_url": "https://appleid.apple.com/auth/revoke",
    }
    # (openid.py infers a 3-tuple for OpenIDProvider.scopes; Apple documents just these two)
    scopes: ClassVar[tuple[str, ...]] = ("name", "email")
    pkce = False  # Apple's authorize endpoint documents no code_challenge
    token_auth = "client_secret_post"
    discovers = False  # Apple publishes fixed endpoints and keys, no document to read again
    https_redirect_only = True  # Apple accepts https return URLs only, not even localhost
    response_mode = "form_post"  # required by Apple when name or email is asked for
    #: the private key stands in for a client secret: a wrong key is a wrong secret
    client_secret_key = "private_key"
    #: seconds the client-secret JWT made for one token request stays valid
    client_secret_lifetime: ClassVar[int] = 600

    fields = (
        SettingField(
            "client_id",
            N_("Services ID"),
            hint=N_("The identifier of the Services ID, e.g. com.example.signin."),
        ),
        SettingField(
            "team_id",
            N_("Team ID"),
            hint=N_(
                "10 characters, shown under Membership details in your Apple Developer account."
            ),
        ),
        SettingField(
            "key_id",
            N_("Key ID"),
            hint=N_("10 characters, shown on the page of the Sign in with Apple key."),
        ),
        SettingField(
            "private_key",
            N_("Private key"),
            secret=True,
            multiline=True,
            hint=N_(
                "The whole contents of the AuthKey_KEYID.p8 file, including the "
                "BEGIN PRIVATE KEY and END PRIVATE KEY lines."
            ),
        ),
    )
    help = N_(
        "You need a paid Apple Developer Program membership.\n\n"
        "1. Open Certificates, Identifiers & Profiles "
        "(https://developer.apple.com/account/resources/identifiers/list). Under "
        '"Identifiers", open your app\'s App ID (or register one with "+" → "App IDs") and '
        'turn on the "Sign in with Apple" capability.\n'
        '2. Under "Identifiers" choose "+" → "Services IDs" and register one (e.g. '
        "com.example.signin): its identifier is the Services ID. Open it, turn on "
        '"Sign in with Apple" and click "Configure": choose the App ID of step 1 as the '
        'primary App ID, enter your site\'s domain under "Domains and Subdomains" and the '
        'redirect URI shown below under "Return URLs" (Apple accepts https only).\n'
        '3. Under "Keys" choose "+", name the key, turn on "Sign in with Apple", click '
        '"Configure" and choose the same primary App ID; register the key and download the '
        ".p8 file (Apple lets you download it only once). The page of the key shows its "
        "Key ID.\n"
        '4. Your Team ID is shown under "Membership details" of your account '
        "(https://developer.apple.com/account).\n"
        "5. Enter the Services ID, the Team ID, the Key ID and the contents of the .p8 file "
        "here.\n\n"
        "Apple sends the user's name only the first time they sign in to your site; the "
        "e-mail may be a private relay address ending in @privaterelay.appleid.com.\n\n"
        "Documentation: https://developer.apple.com/documentation/signinwithapplerestapi"
    )

    # -- the client secret: an ES256 JWT signed with the team's private key

    @property
    def client_secret(self) -> str:
        key = self.signing_key()
        now = int(time.time())
        claims = {
            "iss": self.setting("team_id"),
            "iat": now,
            "exp": now + min(self.client_secret_lifetime, MAX_CLIENT_SECRET_LIFETIME),
            "aud": self.issuer,
            "sub": self.client_id,
        }
        return jwt.encode({"alg": "ES256", "kid": self.setting("key_id")}, claims, key)

    def configuration_checks(self) -> list[Callable[[], object]]:
        return [self.signing_key]

    def signing_key(self) -> ECKey:
        try:
            key = ECKey.import_key(self.setting("private_key").strip())
        except (ValueError, TypeError, JoseError):
            raise ProviderError("misconfigured", "private_key is not a PEM EC key") from None
        if not key.is_private or key.curve_name != "P-256":
            raise ProviderError("misconfigured", "private_key is not a P-256 private key")
        return key

    @classmethod
    def identity_issuer(cls, endpoints: Mapping[str, str]) -> str:
        """The issuer, and where its keys come from when that is not Apple's own place.

        Apple's ID tokens are checked with the keys at ``api_url``, not with keys found
        through the issuer: whoever answers there could sign tokens that name Apple's
        issuer, so moving the keys is moving the issuer.
        """
        issuer = super().identity_issuer(endpoints)
        keys = endpoints.get("api_url")
        if keys and origin(keys) != origin(cls.endpoints["api_url"]):
            return f"{issuer} (keys: {origin(keys)})"
        return issuer

    # -- endpoints: all documented by Apple, no discovery round trip

    async def metadata(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "jwks_uri": self.endpoint("api_url")}

    async def userinfo_url(self) -> str | None:
        return None  # api_url is the key set, not a UserInfo endpoint

    # -- the profile: the verified ID token, plus the name Apple posts on first sign-in

    async def fetch_profile(
        self, tokens: TokenSet, request: AuthorizationRequest, callback: Mapping[str, str]
    ) -> dict[str, Any]:
        claims = await self.verify_id_token(tokens.id_token, request.nonce)
        user = first_sign_in_user(callback.get("user"))
        return {**claims, "user": user} if user else claims

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        user = raw.get("user")
        name = user.get("name") if isinstance(user, dict) else None
        name = name if isinstance(name, dict) else {}
        # Only the signed ID token's e-mail is believed, never the one in ``user``.
        email = text(raw.get("email")) or None
        relay = raw.get("is_private_email") in (True, "true")
        return ExternalProfile(
            external_id=identifier(raw.get("sub")),
            # a relay address's local part is random letters: no use as a login name
            login_hint="" if email is None or relay else email.split("@")[0],
            first_name=text(name.get("firstName")),
            last_name=text(name.get("lastName")),
            email=email,
            email_verified=email is not None and raw.get("email_verified") in (True, "true"),
            raw=dict(raw),
        )


def first_sign_in_user(value: str | None) -> dict[str, Any] | None:
    """The ``user`` JSON Apple posts on the first sign-in, or None.

    It travels through the browser unsigned, so only the name is taken from it; a value
    that is not a JSON object is ignored rather than failing the sign-in.
    """
    if not value:
        return None
    try:
        user = json.loads(value)
    except ValueError:
        return None
    return user if isinstance(user, dict) else None
