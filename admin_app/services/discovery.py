"""A service's discovery document read again, for the administrator: what it says now, or
why it cannot be read.

Providers cache discovery documents for an hour (``providers.openid``); a saved service,
or the editor's "Read again", must not go on with an old one: the issuer's endpoints or
client authentication may just have been changed at the provider.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from admin_app.auth.admin_access import acting_administrator
from admin_app.core.token_storage import secrets_of
from models.db import read_scope
from models.services import find_config
from providers import PROVIDERS
from providers.base import ProviderError, ServiceConfig
from providers.openid import OpenIDProvider, forget_discovery

DEADLINE = 15.0  # seconds for the one request

#: the discovery document's members the editor shows, in order
SHOWN = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "token_endpoint_auth_methods_supported",
)


@dataclass(frozen=True)
class DiscoveryReport:
    """What reading a service's discovery document found."""

    url: str
    found: dict[str, str] = field(default_factory=dict)  # SHOWN members it has, as text
    problem: str = ""  # why it could not be read; empty when it was
    #: the client authentication methods the issuer offers, when none of them is one this
    #: service can use with its settings (its sign-ins will fail); empty otherwise
    unusable_auth_methods: str = ""
    #: the methods this service can use with its settings, when the issuer offers none
    usable_auth_methods: str = ""


def discovers(provider_id: str) -> bool:
    """Whether a service of this provider reads its endpoints from a discovery document."""
    provider = PROVIDERS.get(provider_id)
    return (
        provider is not None
        and issubclass(provider, OpenIDProvider)
        and getattr(provider, "discovers", True)
    )


def _provider(scope: str, service_id: str) -> OpenIDProvider | None:
    with read_scope() as session:
        row = find_config(session, scope, service_id)
        provider_id = row.provider if row else service_id
        if not discovers(provider_id):
            return None
        config = ServiceConfig(
            settings={**row.settings, **secrets_of(row)} if row else {},
            endpoints=dict(row.endpoints) if row else {},
        )
    provider = PROVIDERS[provider_id](config)
    assert isinstance(provider, OpenIDProvider)
    return provider


def forget_saved(scope: str, service_id: str) -> None:
    """A saved service's next sign-in reads its discovery document again."""
    provider = _provider(scope, service_id)
    if provider is not None:
        with contextlib.suppress(ProviderError):  # no issuer yet: nothing was cached
            forget_discovery(provider.issuer)


async def read_again(scope: str, service_id: str) -> DiscoveryReport | None:
    """Read the service's discovery document now (the cached one is replaced); None for a
    service without one. Raises NotAnAdministratorError."""
    acting_administrator()
    provider = _provider(scope, service_id)
    if provider is None:
        return None
    if not provider.reads_discovery:  # configured by its endpoints: no document to read
        return None
    try:
        url = provider.discovery_url
    except ProviderError as error:  # no issuer is set
        return DiscoveryReport(url="", problem=error.detail)
    try:
        async with asyncio.timeout(DEADLINE):
            document = await provider.read_discovery_again()
    except TimeoutError:
        return DiscoveryReport(url=url, problem=f"no answer within {DEADLINE:.0f} s")
    except ProviderError as error:
        return DiscoveryReport(url=url, problem=error.facts.get("problem") or error.detail)
    found = {}
    for key in SHOWN:
        value = document.get(key)
        if isinstance(value, list):
            found[key] = ", ".join(str(item) for item in value)
        elif value:
            found[key] = str(value)
    offered = document.get("token_endpoint_auth_methods_supported")
    usable = provider.client_auth_options()
    if isinstance(offered, list) and not set(map(str, offered)) & set(usable):
        return DiscoveryReport(
            url=url,
            found=found,
            unusable_auth_methods=found.get("token_endpoint_auth_methods_supported", ""),
            usable_auth_methods=", ".join(usable),
        )
    return DiscoveryReport(url=url, found=found)
