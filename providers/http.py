"""The one factory for HTTP clients that talk to external services.

Every call to a provider goes through a client made here, so timeouts, the user agent and
redirect handling are the same everywhere. The application may change ``TIMEOUT`` once at
start-up; tests shorten it to exercise slow providers.

Providers speak httpx's interface; underneath, the requests travel through aiohttp's
connection pool (NiceGUI already depends on it). httpx's own HTTP/1.1 machinery cost
about 0.9 ms of processor time per request, aiohttp's about 0.35 ms with httpx's
interface on top: a sign-in makes two such requests. A request on its own (``request``:
a sign-in's token and UserInfo requests) does without the client too: making an
``httpx.AsyncClient``, its cookie jar and its send machinery cost about as much as the
request itself. The clients of one event loop and those requests share one pool, so a sign-in's token and profile requests (and the next sign-ins) reuse
an open connection to the service instead of a new TCP and TLS handshake each.

Requests go through the outgoing proxy that the standard variables name
(``providers.proxies``), read once per event loop when its connections are first asked for.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
from collections.abc import AsyncIterator, Mapping
from functools import cache

import aiohttp
import httpx
from yarl import URL

from providers.proxies import proxies_from_environment

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "socialservices (+https://pypi.org/project/socialservices/)"


@cache
def _tls() -> ssl.SSLContext:
    """httpx's default TLS settings (certifi's CAs), made once: reading the CA bundle
    takes about 16 ms, which a client made per request would pay on every sign-in."""
    return httpx.create_ssl_context()


#: what aiohttp must accept to behave as httpx did: header lines up to h11's 100 KiB
#: (aiohttp's own limit, 8 KiB, refuses some services' cookies and policies), idle
#: connections kept 5 s (aiohttp keeps them 15 s, past many servers' own keep-alive)
_LONGEST_HEADER = 100 * 1024
_KEEP_IDLE_SECONDS = 5.0
#: request headers aiohttp sets from the body it sends (httpx's copies would be doubled)
_BODY_HEADERS = {b"content-length", b"transfer-encoding"}


class _Pool(httpx.AsyncBaseTransport):
    """One event loop's connections (an aiohttp session), which the clients using it do
    not close: it is closed when its loop shuts down.

    Async generators still suspended when an event loop shuts down are closed by it
    (asyncio.run, uvicorn and pytest all do): the session is made together with such a
    generator, which then closes it on its own loop, whoever made the loop."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._closer: AsyncIterator[None] | None = None  # kept: dropping it closes it
        self._proxies = proxies_from_environment()

    async def _open(self) -> aiohttp.ClientSession:
        self._closer = self._close_at_shutdown()
        await anext(self._closer)  # the loop knows the generator once it has started
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=_tls(), keepalive_timeout=_KEEP_IDLE_SECONDS),
            cookie_jar=aiohttp.DummyCookieJar(),  # httpx's client keeps a call's cookies
            auto_decompress=False,  # httpx decodes the body, as the headers say
            max_line_size=_LONGEST_HEADER,
            max_field_size=_LONGEST_HEADER,
        )
        return self._session

    async def _close_at_shutdown(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if self._session is not None:
                await self._session.close()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.send(request)

    async def send(
        self, request: httpx.Request, tls: ssl.SSLContext | None = None
    ) -> httpx.Response:
        """``request`` over the pool's connections; ``tls``: TLS settings of its own
        instead of the shared ones (connections made with other settings are not reused)."""
        session = self._session or await self._open()
        limits = request.extensions.get("timeout", {})
        url = URL(str(request.url), encoded=True)
        try:
            async with session.request(
                request.method,
                url,
                proxy=self._proxies.proxy_for(url) if self._proxies else None,
                headers=[
                    (name.decode("latin-1"), value.decode("latin-1"))
                    for name, value in request.headers.raw
                    if name.lower() not in _BODY_HEADERS
                ],
                skip_auto_headers=("Content-Type",),  # httpx's, when it set one, is above
                data=await request.aread() or None,
                allow_redirects=False,
                ssl=True if tls is None else tls,
                timeout=aiohttp.ClientTimeout(
                    connect=limits.get("pool"),  # waiting for a free connection included
                    sock_connect=limits.get("connect"),
                    sock_read=limits.get("read"),
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
            stream=httpx.ByteStream(body),  # read by the client, which times the exchange
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        """Kept open for the next client of this loop."""


class _OwnTLS(httpx.AsyncBaseTransport):
    """The pool, with TLS settings of a client's own (a client certificate, say)."""

    def __init__(self, pool: _Pool, tls: ssl.SSLContext) -> None:
        self._pool = pool
        self._tls = tls

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._pool.send(request, self._tls)


_pools: dict[asyncio.AbstractEventLoop, _Pool] = {}
_pools_lock = threading.Lock()  # loops of other threads (NiceGUI's run.io_bound, tests)


def _pool() -> _Pool:
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None:
        with _pools_lock:
            for ended in [other for other in _pools if other.is_closed()]:
                del _pools[ended]  # closed with their loops
            pool = _pools.setdefault(loop, _Pool())
    return pool


def http_client(tls: ssl.SSLContext | None = None) -> httpx.AsyncClient:
    """A client for one exchange with a service (use it in ``async with``). ``tls``: TLS
    settings for services that want more than the shared ones, e.g. mutual TLS with the
    client's certificate; None: the shared ones."""
    pool = _pool()
    return httpx.AsyncClient(
        timeout=TIMEOUT,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        transport=pool if tls is None else _OwnTLS(pool, tls),
    )


class _NoTransport(httpx.AsyncBaseTransport):
    """For the one client made only to learn httpx's default request headers."""


@cache
def _client_headers() -> httpx.Headers:
    """The headers a client of ``http_client`` sends with every request (httpx's defaults:
    Accept, Accept-Encoding, Connection; our User-Agent)."""
    return httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT}, transport=_NoTransport(), trust_env=False
    ).headers


_httpx_log = logging.getLogger("httpx")


async def request(
    method: str,
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    data: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """One request, sent as a client of ``http_client`` would send it (same headers, body,
    timeouts, pool and proxy; no redirect followed) and answered with its body read and
    decoded, but without making the client: for an exchange of a single request, whose
    cookies no later request could use anyway."""
    sent = httpx.Headers(_client_headers())
    sent.update(headers or {})
    built = httpx.Request(
        method,
        url,
        params=params,
        data=data,
        headers=sent,
        extensions={"timeout": TIMEOUT.as_dict()},
    )
    if built.url.username or built.url.password:  # a client turns these into Basic auth
        async with http_client() as http:
            return await http.send(built)
    response = await _pool().send(built)
    await response.aread()
    _httpx_log.info(  # the line httpx's client logs for each request
        'HTTP Request: %s %s "%s %d %s"',
        built.method,
        built.url,
        response.http_version,
        response.status_code,
        response.reason_phrase,
    )
    return response
