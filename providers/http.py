"""The one factory for HTTP clients that talk to external services.

Every call to a provider goes through a client made here, so timeouts, the user agent and
redirect handling are the same everywhere. The application may change ``TIMEOUT`` once at
start-up; tests shorten it to exercise slow providers.

Providers speak httpx's interface; underneath, the requests travel through aiohttp's
connection pool (NiceGUI already depends on it). httpx's own HTTP/1.1 machinery cost
about 0.9 ms of processor time per request, aiohttp's about 0.35 ms with httpx's
interface on top: a sign-in makes two such requests. The clients of one event loop
share one pool, so a sign-in's token and profile requests (and the next sign-ins) reuse
an open connection to the service instead of a new TCP and TLS handshake each.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from functools import cache

import aiohttp
import httpx
from yarl import URL

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "socialservices (+https://pypi.org/project/socialservices/)"


@cache
def _tls() -> ssl.SSLContext:
    """httpx's default TLS settings (certifi's CAs), made once: reading the CA bundle
    takes about 16 ms, which a client made per request would pay on every sign-in."""
    return httpx.create_ssl_context()


class _Pool(httpx.AsyncBaseTransport):
    """One event loop's connections (an aiohttp session), which the clients using it do
    not close: it is closed when its loop shuts down."""

    def __init__(self) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=_tls()),
            cookie_jar=aiohttp.DummyCookieJar(),  # httpx's client keeps a call's cookies
            auto_decompress=False,  # httpx decodes the body, as the headers say
        )
        # Async generators still suspended when an event loop shuts down are closed by
        # it (asyncio.run, uvicorn and pytest all do): this one closes the session then,
        # on its own loop, whoever made the loop.
        self._closer = self._close_at_shutdown()  # kept: dropping it would close it
        self._started = False

    async def _close_at_shutdown(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await self._session.close()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self._started:  # the loop's hooks know the generator once it has started
            self._started = True
            await anext(self._closer)
        limits = request.extensions.get("timeout", {})
        try:
            async with self._session.request(
                request.method,
                URL(str(request.url), encoded=True),
                headers=[
                    (name.decode("latin-1"), value.decode("latin-1"))
                    for name, value in request.headers.raw
                ],
                data=await request.aread() or None,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(
                    sock_connect=limits.get("connect"), sock_read=limits.get("read")
                ),
            ) as response:
                body = await response.read()
        except aiohttp.ConnectionTimeoutError as error:
            raise httpx.ConnectTimeout(str(error) or "connect timeout", request=request) from None
        except TimeoutError as error:  # aiohttp's read timeouts are TimeoutErrors too
            raise httpx.ReadTimeout(str(error) or "read timeout", request=request) from None
        except aiohttp.ClientConnectorError as error:
            raise httpx.ConnectError(str(error), request=request) from None
        except aiohttp.ClientError as error:
            raise httpx.ReadError(f"{type(error).__name__}: {error}", request=request) from None
        return httpx.Response(
            response.status,
            headers=list(response.raw_headers),
            content=body,
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        """Kept open for the next client of this loop."""


_pools: dict[asyncio.AbstractEventLoop, _Pool] = {}


def _pool() -> _Pool:
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None:
        for ended in [other for other in _pools if other.is_closed()]:
            del _pools[ended]  # closed with their loops
        pool = _pools[loop] = _Pool()
    return pool


def http_client() -> httpx.AsyncClient:
    """A client for one exchange with a service (use it in ``async with``)."""
    return httpx.AsyncClient(
        timeout=TIMEOUT,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        transport=_pool(),
    )
