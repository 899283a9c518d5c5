"""The HTTP client every provider uses (providers.http): httpx's interface over aiohttp's
connections must send and receive what httpx itself did, against a real server."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from providers import http as provider_http
from providers.http import http_client

BIG_HEADER = "x" * 20_000  # past aiohttp's default limit of 8 KiB per line


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[dict[str, object]] = []

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self, body: bytes, *headers: tuple[str, str]) -> None:
        self.send_response(200)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        _Handler.seen.append({"path": self.path, "cookie": self.headers.get("Cookie")})
        if self.path == "/gzip":
            self._answer(gzip.compress(b'{"ok": true}'), ("Content-Encoding", "gzip"))
        elif self.path == "/big-header":
            self._answer(b"{}", ("X-Policy", BIG_HEADER))
        elif self.path == "/cookie":
            self._answer(b"{}", ("Set-Cookie", "provider_session=alice; Path=/"))
        elif self.path == "/slow":
            time.sleep(1)
            self._answer(b"{}")
        else:
            self._answer(b"{}")

    def do_POST(self) -> None:
        length = self.headers.get_all("Content-Length") or []
        body = self.rfile.read(int(length[0])) if length else b""
        _Handler.seen.append(
            {
                "lengths": length,
                "chunked": self.headers.get("Transfer-Encoding"),
                "type": self.headers.get_all("Content-Type"),
                "body": body,
            }
        )
        self._answer(b"{}")


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


async def test_compressed_bodies_and_long_headers_arrive_as_httpx_gave_them(server: str) -> None:
    async with http_client() as http:
        compressed = await http.get(f"{server}/gzip")
        big = await http.get(f"{server}/big-header")
    assert compressed.json() == {"ok": True}
    assert big.headers["x-policy"] == BIG_HEADER


async def test_a_form_is_sent_once_with_its_length_and_type(server: str) -> None:
    async with http_client() as http:
        await http.post(f"{server}/token", data={"code": "c1", "grant_type": "authorization_code"})
        await http.post(f"{server}/raw", content=b"raw bytes")
    form, raw = _Handler.seen
    assert form["lengths"] == [str(len(b"code=c1&grant_type=authorization_code"))]
    assert form["chunked"] is None
    assert form["type"] == ["application/x-www-form-urlencoded"]
    assert form["body"] == b"code=c1&grant_type=authorization_code"
    assert raw["type"] is None and raw["body"] == b"raw bytes"  # none added that httpx did not


async def test_one_exchange_s_cookies_never_reach_another(server: str) -> None:
    async with http_client() as first:
        await first.get(f"{server}/cookie")
        await first.get(f"{server}/again")
    async with http_client() as second:
        await second.get(f"{server}/other-person")
    assert [seen["cookie"] for seen in _Handler.seen] == [None, "provider_session=alice", None]


async def test_unreachable_and_slow_services_raise_httpx_s_errors(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    monkeypatch.setattr(provider_http, "TIMEOUT", httpx.Timeout(0.3))
    async with http_client() as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"http://127.0.0.1:{closed_port}/")
        with pytest.raises(httpx.ReadTimeout):
            await http.get(f"{server}/slow")


def test_the_connections_close_with_their_event_loop(server: str) -> None:
    async def exchange() -> provider_http._Pool:
        async with http_client() as http:
            await http.get(f"{server}/anything")
        return provider_http._pool()

    pool = asyncio.run(exchange())
    assert pool._session is not None and pool._session.closed
