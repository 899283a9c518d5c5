"""The catalogue of external services, by id.

An explicit dict rather than discovery by import: adding a service is one module, one
line here, and one test module.
"""

from __future__ import annotations

from providers.base import Provider
from providers.google import Google
from providers.oidc import OpenIDConnect

PROVIDERS: dict[str, type[Provider]] = {
    provider.id: provider
    for provider in (
        Google,
        OpenIDConnect,
    )
}
