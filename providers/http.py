"""The one factory for HTTP clients that talk to external services.

Every call to a provider goes through a client made here, so timeouts, the user agent and
redirect handling are the same everywhere. The application may change ``TIMEOUT`` once at
start-up; tests shorten it to exercise slow providers.

Clients are cheap and short-lived, but the connections are not: the clients of one event
loop share one pool, so a sign-in's token and profile requests (and the next sign-ins)
reuse an open connection to the service instead of a new TCP and TLS handshake each.
"""

from __future__ import annotations

import asyncio
import ssl
import weakref
from functools import cache

import httpx

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "socialservices (+https://pypi.org/project/socialservices/)"


@cache
def _tls() -> ssl.SSLContext:
    """httpx's default TLS settings (certifi's CAs), made once: reading the CA bundle
    takes about 16 ms, which a client made per request would pay on every sign-in."""
    return httpx.create_ssl_context()


class _SharedPool(httpx.AsyncBaseTransport):
    """One event loop's connection pool, which the clients using it do not close."""

    def __init__(self) -> None:
        self._transport = httpx.AsyncHTTPTransport(verify=_tls())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._transport.handle_async_request(request)

    async def aclose(self) -> None:
        """Kept open for the next client of this loop; it goes with its loop."""


_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _SharedPool] = (
    weakref.WeakKeyDictionary()
)


def _pool() -> _SharedPool:
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None:
        pool = _pools[loop] = _SharedPool()
    return pool


def http_client() -> httpx.AsyncClient:
    """A client for one exchange with a service (use it in ``async with``)."""
    return httpx.AsyncClient(
        timeout=TIMEOUT,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        transport=_pool(),
    )
