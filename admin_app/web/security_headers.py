"""Headers every response carries: no framing (clickjacking of the sign-in and set-up
forms), no MIME sniffing, no full URLs (with their tickets) leaked as Referer, a Content
Security Policy that runs only our own scripts, and HSTS when the public URL is https.

The policy is what NiceGUI 3.18 needs, and no more:

- scripts from our origin, and inline ones only with this response's nonce: NiceGUI's
  page template carries it on each of its own ``<script>`` tags (admin_app.web.script_nonces),
  so markup that slipped into a page cannot run;
- ``'unsafe-eval'``: NiceGUI evaluates what the server sends (``ui.run_javascript``,
  navigation, ``:prop`` bindings) and Vue compiles its components' templates in the
  browser, both with ``eval``/``new Function``; the code comes from our server, never
  from page markup;
- inline styles (Quasar and NiceGUI set them at run time), pictures from anywhere (the
  services' profile pictures), everything else from our origin only;
- ``form-action``: our own forms, and the redirect that follows "Link" and "Try it"
  (browsers check a form's redirects too), which goes to a service on any host an
  administrator configures, so any https host (and http ones while the public URL is
  plain http, as on a developer's machine).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: where the response's nonce waits in the request's state for the page template
NONCE_KEY = "csp_nonce"

HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000")


def content_security_policy(nonce: str, *, https: bool) -> str:
    services = "https:" if https else "http: https:"
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}' 'unsafe-eval'",
            "style-src 'self' 'unsafe-inline'",
            "img-src * data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
            f"form-action 'self' {services}",
        ]
    )


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


_SCRIPT_TAG = re.compile(r"<script\b", re.IGNORECASE)


def with_script_nonce(html: str, request: Any) -> str:
    """Our own ``html`` (never text from data) with the nonce of ``request``'s response on
    its ``<script>`` tags, so that its inline scripts may run."""
    nonce = getattr(request.state, NONCE_KEY, "")
    return _SCRIPT_TAG.sub(f'<script nonce="{nonce}"', str(html)) if nonce else str(html)


class SecurityHeaders:
    """Pure ASGI middleware (it must not buffer NiceGUI's websocket or streams).

    ``https``: the public URL is https (HSTS, and services reached over https only)."""

    def __init__(self, app: ASGIApp, https: bool = False) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = new_nonce()
        scope.setdefault("state", {})[NONCE_KEY] = nonce
        policy = content_security_policy(nonce, https=self.https)
        headers = [*HEADERS, (b"content-security-policy", policy.encode("ascii"))]
        if self.https:
            headers.append(HSTS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
