"""A real OpenID Connect provider for the end-to-end tests.

The app's sign-in code is only worth something if it works against an actual
provider: discovery, the browser form, the token endpoint and a signed ID token.
This module runs one, the npm package ``oidc-provider`` (``tests/support/idp/server.js``),
on 127.0.0.1 for as long as a test needs it.

``tests/e2e/conftest.py`` offers ``oidc_provider_factory`` to every e2e test.

The sign-in form accepts any password; logins come from ``accounts``
(login -> claims); a login not in ``accounts`` is refused (the form comes back).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest

from tests.support.app_server import free_port

IDP_DIR = Path(__file__).resolve().parent / "idp"
SERVER_JS = IDP_DIR / "server.js"

DEFAULT_CLIENT_ID = "socialservices-test"
DEFAULT_CLIENT_SECRET = "socialservices-test-secret-not-secret"
DEFAULT_ACCOUNTS: dict[str, dict[str, Any]] = {
    "alice": {
        "email": "alice@example.org",
        "email_verified": True,
        "given_name": "Alice",
        "family_name": "Liddell",
        "name": "Alice Liddell",
    },
}


class OidcProviderError(RuntimeError):
    """The provider did not start; the message carries its output."""


class OidcProvider:
    """A running ``oidc-provider``; ``stop()`` ends it (safe to call twice)."""

    def __init__(
        self,
        process: subprocess.Popen[str],
        port: int,
        clients: list[dict[str, Any]],
        accounts: dict[str, dict[str, Any]],
    ) -> None:
        self.process = process
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"
        self.clients = clients
        self.accounts = accounts
        self._lines: list[str] = []
        self._ready = threading.Event()
        # Keep reading the output all along: a full pipe would block the provider.
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()

    def _read_output(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.append(line.rstrip("\n"))
            if line.startswith("IDP READY "):
                self._ready.set()

    @property
    def output(self) -> str:
        """Everything the provider printed so far (warnings, failed requests)."""
        return "\n".join(self._lines)

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def discovery(self) -> dict[str, Any]:
        return httpx.get(self.discovery_url, timeout=5).raise_for_status().json()

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.05):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._fail("did not print 'IDP READY'")
        while True:
            try:
                if httpx.get(self.discovery_url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self._fail(f"{self.discovery_url} did not answer 200")
            time.sleep(0.05)

    def _fail(self, reason: str) -> NoReturn:
        self.stop()
        self._reader.join(timeout=2)
        hint = ""
        if not (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
            hint = f"\n{IDP_DIR}/node_modules is missing: run `make node-packages` or `make test`."
        raise OidcProviderError(
            f"OpenID provider at {self.issuer} {reason} "
            f"(exit code {self.process.returncode}).{hint}\n--- its output ---\n{self.output}"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdin and not self.process.stdin.closed:
            self.process.stdin.close()


def start_oidc_provider(
    clients: list[dict[str, Any]],
    accounts: dict[str, dict[str, Any]],
    *,
    port: int | None = None,
    timeout: float = 30,
    client_auth_methods: list[str] | None = None,
) -> OidcProvider:
    """Start ``tests/support/idp/server.js`` and return once discovery answers 200.

    ``clients`` and ``accounts`` follow the ``IDP_CLIENTS`` / ``IDP_ACCOUNTS``
    contract described in ``server.js``; ``client_auth_methods`` narrows the client
    authentication the provider offers (``["none"]``: public clients only). Raises ``OidcProviderError`` with the
    provider's output when it does not come up within ``timeout`` seconds.
    """
    node = shutil.which("node")
    if node is None:
        raise OidcProviderError("`node` is not on PATH; the e2e tests need Node.js.")
    port = port or free_port()
    env = {
        **os.environ,
        "IDP_PORT": str(port),
        "IDP_CLIENTS": json.dumps(clients),
        "IDP_ACCOUNTS": json.dumps(accounts),
        "IDP_CLIENT_AUTH_METHODS": json.dumps(client_auth_methods) if client_auth_methods else "",
    }
    process = subprocess.Popen(
        [node, str(SERVER_JS)],
        cwd=IDP_DIR,
        env=env,
        # A pipe on stdin: the provider exits when it closes, even if pytest is killed.
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    provider = OidcProvider(process, port, clients, accounts)
    try:
        provider._wait_until_ready(timeout)
    except BaseException:  # also Ctrl-C while waiting
        provider.stop()
        raise
    return provider


@pytest.fixture
def oidc_provider_factory() -> Iterator[Callable[..., OidcProvider]]:
    """Start providers on demand; all of them stop at the end of the test.

    ``factory(redirect_uris, accounts=DEFAULT_ACCOUNTS, **client_metadata)`` gives a
    provider with one client, ``DEFAULT_CLIENT_ID`` / ``DEFAULT_CLIENT_SECRET``
    (``client_secret_basic`` unless ``token_endpoint_auth_method`` says otherwise).
    """
    started: list[OidcProvider] = []

    def factory(
        redirect_uris: list[str],
        accounts: dict[str, dict[str, Any]] | None = None,
        **client_metadata: Any,
    ) -> OidcProvider:
        client = {
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
            "redirect_uris": list(redirect_uris),
            **client_metadata,
        }
        provider = start_oidc_provider([client], DEFAULT_ACCOUNTS if accounts is None else accounts)
        started.append(provider)
        return provider

    try:
        yield factory
    finally:
        for provider in started:
            provider.stop()
            # pytest shows this only for a failed test: why the provider said no.
            print(f"--- OpenID provider {provider.issuer} output ---\n{provider.output}")
