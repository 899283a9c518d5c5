"""``private_key_jwt`` client authentication (RFC 7523 section 2.2, OpenID Connect Core 9).

The client proves itself with a short-lived JWT signed by a key of its own; the issuer
checks it against the public key the administrator registered there (as a JWKS URL we
serve, or pasted). No secret travels, and the private key never leaves this server.

The key is a PEM text in the service's secret settings: the application generates it
(``new_client_key``) and stores it sealed like any secret; here it is only read, used to
sign and published as its public part. RSA keys sign RS256, P-256 keys ES256: the two
algorithms every issuer that offers ``private_key_jwt`` accepts.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from providers.base import ProviderError

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: seconds an assertion stays valid: one token request, with some clock skew
ASSERTION_LIFETIME = 120
RSA_BITS = 2048

ClientKey = RSAKey | ECKey


def new_client_key() -> str:
    """A new RSA private key in PEM (RS256 is the one algorithm all issuers take)."""
    return RSAKey.generate_key(RSA_BITS, private=True).as_pem(private=True).decode()


def load_client_key(pem: str, setting: str = "client_key") -> ClientKey:
    """The private key of a PEM text; ProviderError("misconfigured") naming ``setting``
    first (the editor puts the message next to that field) when it is not one we sign with."""
    data = pem.strip()
    for kind in (RSAKey, ECKey):
        try:
            key = kind.import_key(data)
        except (ValueError, TypeError, JoseError):
            continue
        if not key.is_private:
            raise ProviderError("misconfigured", f"{setting} is a public key, not a private one")
        if isinstance(key, ECKey) and key.curve_name != "P-256":
            raise ProviderError("misconfigured", f"{setting} is not on the P-256 curve")
        return key
    raise ProviderError("misconfigured", f"{setting} is not a PEM RSA or EC private key")


def signing_algorithm(key: ClientKey) -> str:
    return "ES256" if isinstance(key, ECKey) else "RS256"


def public_jwk(key: ClientKey) -> dict[str, Any]:
    """The public half as the issuer registers it: key id (its RFC 7638 thumbprint, so
    the same key always has the same id), use and algorithm."""
    return key.as_dict(private=False, kid=key.thumbprint(), use="sig", alg=signing_algorithm(key))


def public_jwks(pem: str) -> dict[str, Any]:
    """The JWK Set served at the service's JWKS URL."""
    return {"keys": [public_jwk(load_client_key(pem))]}


def client_assertion(key: ClientKey, *, client_id: str, audience: str) -> str:
    """A signed assertion for one request: issuer and subject the client id, audience the
    endpoint it is sent to, a fresh ``jti`` (issuers refuse one seen before)."""
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "jti": secrets.token_urlsafe(24),
        "iat": now,
        "exp": now + ASSERTION_LIFETIME,
    }
    header = {"alg": signing_algorithm(key), "kid": key.thumbprint(), "typ": "JWT"}
    return jwt.encode(header, claims, key)
