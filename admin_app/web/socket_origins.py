"""Which pages may open NiceGUI's socket: our own, never another site's.

A page's every click travels over socket.io (``/_nicegui_ws/socket.io``), with the
visitor's cookie. NiceGUI lets any ``Origin`` in and echoes it back with credentials
allowed, so a page elsewhere could open a signed-in administrator's socket (cross-site
WebSocket hijacking). Allowed are the request's own host (same origin: every site the
browser reached us by), the public URL, and the host names of the sites, read at
handshake time (administrators edit them at run time) and only when the two cheap checks
failed. A handshake without ``Origin`` is not a browser's cross-site request (browsers
always send it there) and stays allowed, for non-browser clients such as the tests'.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from nicegui import core

from models.db import session_scope
from models.sites import host_names_of, list_sites

log = logging.getLogger(__name__)


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _site_host_names() -> set[str]:
    with session_scope() as session:
        return {name.lower() for site in list_sites(session) for name in host_names_of(site)}


def is_own_origin(origin: str | None, host: str | None, public_url: str) -> bool:
    """Whether a page at ``origin`` is one of ours, for a request that came to ``host``."""
    if not origin:
        return False
    parts = urlsplit(origin.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return False
    if host and parts.netloc.lower() == host.strip().lower():
        return True  # same origin
    if _origin_of(origin.strip()) == _origin_of(public_url):
        return True
    return parts.hostname.lower() in _site_host_names()


def _allowed(public_url: str, origin: str | None, environ: Mapping[str, Any]) -> bool:
    """engine.io's ``cors_allowed_origins`` callable; it must not raise (engine.io would
    take a TypeError for the one-argument form and call it again)."""
    try:
        return is_own_origin(origin, environ.get("HTTP_HOST"), public_url)
    except Exception:  # the database is away: refuse, the page will retry
        log.exception("socket.origin_check_failed")
        return False


def install(public_url: str) -> None:
    """Check the origin of every handshake on NiceGUI's socket.io server from now on."""

    def allowed(origin: str | None, environ: Mapping[str, Any]) -> bool:
        return _allowed(public_url, origin, environ)

    core.sio.eio.cors_allowed_origins = allowed
