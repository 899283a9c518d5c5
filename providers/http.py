"""The one factory for HTTP clients that talk to external services.

Every call to a provider goes through a client made here, so timeouts, the user agent and
redirect handling are the same everywhere. The application may change ``TIMEOUT`` once at
start-up; tests shorten it to exercise slow providers.
"""

from __future__ import annotations

import httpx

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "socialservices (+https://pypi.org/project/socialservices/)"


def http_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=TIMEOUT,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
    )
