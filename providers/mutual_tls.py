"""TLS settings for services that want to see the client's certificate (mutual TLS).

The administrator pastes the certificate and its private key as PEM text, and, for a
service whose server certificate comes from an authority outside the usual bundle (the
Russian Ministry of Digital Development's, for one), that authority's certificate. Python's
``ssl`` reads a certificate chain from files only: the PEM is written to a private
temporary file for the moment it takes to load it, then removed.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from functools import lru_cache

import httpx

from providers.base import ProviderError


def client_tls(certificate_and_key: str, trusted_authority: str = "") -> ssl.SSLContext:
    """The TLS settings that present ``certificate_and_key`` (PEM: the certificate, its
    chain if any, and an unencrypted private key) and trust the usual authorities plus
    ``trusted_authority`` (PEM, may be empty); ProviderError("misconfigured") when either
    cannot be read."""
    return _context(certificate_and_key.strip(), trusted_authority.strip())


@lru_cache(maxsize=16)
def _context(certificate_and_key: str, trusted_authority: str) -> ssl.SSLContext:
    context = httpx.create_ssl_context()
    if trusted_authority:
        try:
            context.load_verify_locations(cadata=trusted_authority)
        except (ssl.SSLError, ValueError) as error:
            raise ProviderError(
                "misconfigured", f"the trusted authority's certificate cannot be read: {error}"
            ) from None
    descriptor, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(descriptor, "w") as file:  # mkstemp: readable by this user only
            file.write(certificate_and_key)
        # never OpenSSL's prompt on the terminal for an encrypted key: it fails instead
        context.load_cert_chain(path, password=lambda: b"")
    except (ssl.SSLError, ValueError) as error:
        raise ProviderError(
            "misconfigured",
            f"the client certificate and key cannot be read (PEM, unencrypted key): {error}",
        ) from None
    finally:
        os.unlink(path)
    return context
