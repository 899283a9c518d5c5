"""NiceGUI's socket accepts handshakes from our own pages only (no cross-site WebSocket
hijacking): real Engine.IO polling handshakes against the app."""

from __future__ import annotations

import httpx
import pytest
from nicegui.testing import User

from models.db import session_scope
from models.sites import list_sites

HANDSHAKE = "/_nicegui_ws/socket.io/?EIO=4&transport=polling"
#: the test client's own address (httpx's ASGI transport sends Host: test)
OWN = "http://test"


async def handshake(user: User, origin: str | None, host: str | None = None) -> httpx.Response:
    headers = {"origin": origin} if origin else {}
    if host:
        headers["host"] = host
    return await user.http_client.get(HANDSHAKE, headers=headers)


def accepted(response: httpx.Response, origin: str) -> bool:
    return (
        response.status_code == 200
        and response.text.startswith("0{")  # Engine.IO's "open" packet: a session began
        and response.headers.get("access-control-allow-origin") == origin
    )


async def test_a_foreign_page_cannot_open_the_socket(
    user: User, caplog: pytest.LogCaptureFixture
) -> None:
    for origin in ("https://evil.example", "http://test.evil.example", "null", "file://"):
        response = await handshake(user, origin)
        assert response.status_code == 400, origin
        assert "access-control-allow-origin" not in response.headers
        assert "sid" not in response.text
    caplog.clear()  # engine.io logs its first refusal as an ERROR: expected here


async def test_our_own_pages_open_it(user: User) -> None:
    assert accepted(await handshake(user, OWN), OWN)  # same origin
    public = "http://127.0.0.1:8080"  # the public URL (here the default: host and port)
    assert accepted(await handshake(user, public), public)
    response = await handshake(user, None)  # no Origin: not a browser's cross-site request
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers


async def test_a_sites_host_name_is_read_when_the_handshake_comes(user: User) -> None:
    """Sites are edited at run time: a host name added now is accepted at once."""
    origin = "https://shop.example.org"
    proxied = "127.0.0.1:8080"  # a proxy that passes its own Host upstream
    assert (await handshake(user, origin, host=proxied)).status_code == 400
    with session_scope() as session:
        site = list_sites(session)[0]
        site.host_names = f"{site.host_names} shop.example.org".strip()
        session.add(site)
    assert accepted(await handshake(user, origin, host=proxied), origin)
