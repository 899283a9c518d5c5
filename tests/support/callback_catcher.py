"""A tiny redirect target on 127.0.0.1 that records the query strings it receives: the
"client" end of an OAuth round trip, for tests that drive a provider without our app."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


class Callback:
    """A tiny redirect target on 127.0.0.1 that records the query strings it receives."""

    def __init__(self) -> None:
        self.received: list[dict[str, str]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path != "/callback":  # e.g. the browser's /favicon.ico
                    self.send_error(404)
                    return
                query = parse_qs(url.query)
                received.append({key: values[0] for key, values in query.items()})
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"signed in")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def callback() -> Iterator[Callback]:
    """A fresh redirect target, shut down after the test."""
    server = Callback()
    yield server
    server.close()
