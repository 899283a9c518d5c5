"""The pages' sockets are not compressed: each compressed socket held about 250 KB of zlib
state in the server for as long as its page stayed open (200 open pages: 50 MB), for
messages of a few hundred bytes (``bench/pages.py`` measures the memory)."""

from __future__ import annotations

from urllib.parse import urlsplit

from websockets.sync.client import connect
from websockets.typing import Origin

from tests.support.app_server import AppServer


def test_a_page_socket_refuses_compression(app_server: AppServer) -> None:
    base = urlsplit(app_server.base_url)
    url = f"ws://{base.netloc}/_nicegui_ws/socket.io/?EIO=4&transport=websocket"
    with connect(url, origin=Origin(app_server.base_url), compression="deflate") as socket:
        greeting = socket.recv(timeout=10)  # the server's Engine.IO greeting
        assert isinstance(greeting, str) and greeting.startswith("0{")
        assert socket.response is not None
        assert "permessage-deflate" not in socket.response.headers.get(
            "Sec-WebSocket-Extensions", ""
        )
