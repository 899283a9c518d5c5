"""An outgoing HTTP proxy on 127.0.0.1, as a site behind one reaches the world through:
``CONNECT`` tunnels for https and requests in absolute form for plain http, as Squid and
its kind serve them. It counts what it forwarded, so a test sees which requests took it.

It runs its own event loop in a thread: the fakes it forwards to are blocking servers,
and a test's own loop (or a test without one, or an app in another process) must not
have to serve it. With ``credentials`` it asks for them (``Proxy-Authorization: Basic``)
and refuses a request without them, as proxies that know their users do.

One request a connection (the answer ends with the connection), request bodies with a
``Content-Length``: what HTTP clients send, and all a test needs.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import threading
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

#: hop-by-hop headers, and the proxy's own: never forwarded to the service
NOT_FORWARDED = {"connection", "keep-alive", "proxy-authorization", "proxy-connection"}
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Forwarded:
    """One request the proxy passed on."""

    method: str  # CONNECT, GET, POST...
    target: str  # host:port for CONNECT, the absolute URL otherwise
    authorization: str | None  # its Proxy-Authorization header, as received


class ProxyServer:
    def __init__(self, *, credentials: tuple[str, str] | None = None) -> None:
        self.credentials = credentials
        self.port = 0
        self._forwarded: list[Forwarded] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve_until_stopped(),))
        self._thread.daemon = True
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def forwarded(self) -> list[Forwarded]:
        with self._lock:
            return list(self._forwarded)

    # -- lifecycle

    def start(self) -> ProxyServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the proxy did not start")
        return self

    def stop(self) -> None:
        """Stop serving; tunnels still open are cut (asyncio.run cancels them)."""
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(10)

    def __enter__(self) -> ProxyServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    async def _serve_until_stopped(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stopping.wait()
        server.close()

    # -- serving

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *lines = head.decode("latin-1").split("\r\n")
            method, target, _ = request_line.split(" ", 2)
            headers = [tuple(line.split(":", 1)) for line in lines if ":" in line]
            authorization = next(
                (v.strip() for n, v in headers if n.strip().lower() == "proxy-authorization"),
                None,
            )
            if not self._admits(authorization):
                await _answer(writer, "407 Proxy Authentication Required", 'Basic realm="tests"')
                return
            with self._lock:
                self._forwarded.append(Forwarded(method, target, authorization))
            if method == "CONNECT":
                await self._tunnel(target, reader, writer)
            else:
                await self._forward(method, target, headers, reader, writer)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            await _answer(writer, "400 Bad Request")
        except OSError:  # the service is not there
            await _answer(writer, "502 Bad Gateway")
        finally:
            writer.close()

    def _admits(self, authorization: str | None) -> bool:
        if self.credentials is None:
            return True
        expected = base64.b64encode(":".join(self.credentials).encode()).decode()
        return authorization == f"Basic {expected}"

    async def _tunnel(
        self, target: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        host, _, port = target.rpartition(":")
        service_reader, service_writer = await asyncio.open_connection(host.strip("[]"), int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await asyncio.gather(_pipe(reader, service_writer), _pipe(service_reader, writer))

    async def _forward(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, ...]],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        url = urlsplit(target)
        if url.scheme != "http" or not url.hostname:
            raise ValueError(f"not an absolute http URL: {target}")
        length = next((int(v) for n, v in headers if n.strip().lower() == "content-length"), 0)
        body = await reader.readexactly(length)
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        kept = "".join(f"{n}:{v}\r\n" for n, v in headers if n.strip().lower() not in NOT_FORWARDED)
        service_reader, service_writer = await asyncio.open_connection(url.hostname, url.port or 80)
        head = f"{method} {path} HTTP/1.1\r\n{kept}Connection: close\r\n\r\n"
        service_writer.write(head.encode("latin-1") + body)
        await _pipe(service_reader, writer)  # the answer, until the service closes
        service_writer.close()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """Copy until ``source`` ends, then close ``sink``: the other way ends with it."""
    try:
        while chunk := await source.read(CHUNK):
            sink.write(chunk)
            await sink.drain()
    except ConnectionError:
        pass
    finally:
        sink.close()


async def _answer(writer: asyncio.StreamWriter, status: str, authenticate: str = "") -> None:
    challenge = f"Proxy-Authenticate: {authenticate}\r\n" if authenticate else ""
    writer.write(
        f"HTTP/1.1 {status}\r\n{challenge}Content-Length: 0\r\nConnection: close\r\n\r\n".encode()
    )
    with contextlib.suppress(ConnectionError):
        await writer.drain()
