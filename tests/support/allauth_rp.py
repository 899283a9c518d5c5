"""django-allauth as a relying party, for the end-to-end tests of an OpenID Connect provider.

An independent, widely used client is the fairest judge of a provider: if allauth's generic
``openid_connect`` provider can sign a visitor in through it, real sites can too. This runs
the benchmark's peer (``bench/peers/allauth``: its own uv project, lock and ``.venv``)
through its ``run.sh`` with one gunicorn worker and a temporary database.

The peer's port is chosen before it starts, so that its callback URL can be registered at
the provider first::

    with AllauthRP(tmp_path / "allauth") as peer:
        provider = start_the_provider(redirect_uris=[peer.callback_url])
        peer.start(provider.issuer, client_id, client_secret)
        page.goto(peer.start_url)  # ... sign in at the provider ...
        expect(page.locator("body")).to_contain_text("email: alice@example.org")

The first start on a fresh machine creates the peer's ``.venv`` (``uv sync --frozen`` from
PyPI, about a second) and every start migrates a new SQLite database (about 2 s).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import httpx
import pytest

from tests.support.app_server import free_port

PEER_DIR = Path(__file__).resolve().parents[2] / "bench" / "peers" / "allauth"
RUN_SH = PEER_DIR / "run.sh"
#: allauth's URLs for the one provider the peer has, ``provider_id`` "bench"
LOGIN_PATH = "/accounts/oidc/bench/login/"
CALLBACK_PATH = "/accounts/oidc/bench/login/callback/"
#: the peer's page that shows who is signed in: ``email: ...`` and ``uid: bench:<sub>``
WHOAMI_PATH = "/whoami/"
#: generous: the first start may create the peer's venv from PyPI
START_TIMEOUT = 120.0


class AllauthRPError(RuntimeError):
    """The peer did not start; the message carries its output."""


class AllauthRP:
    """The allauth peer on 127.0.0.1; ``start()`` runs it, ``stop()`` ends it (safe twice).

    ``data_dir`` (created if missing) holds its SQLite database and its output, ``peer.log``.
    """

    def __init__(self, data_dir: Path, *, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.log_path = data_dir / "peer.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def callback_url(self) -> str:
        """The redirect URI to register at the provider, exactly as allauth sends it."""
        return self.base_url + CALLBACK_PATH

    @property
    def start_url(self) -> str:
        """Where a visitor starts signing in: a GET sends the browser to the provider at once
        (``SOCIALACCOUNT_LOGIN_ON_GET``), and the sign-in ends on the who-am-I page."""
        return f"{self.base_url}{LOGIN_PATH}?next={WHOAMI_PATH}"

    @property
    def whoami_url(self) -> str:
        return self.base_url + WHOAMI_PATH

    @property
    def output(self) -> str:
        """What uv, the migration and gunicorn printed (tracebacks of failed requests)."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(
        self,
        issuer: str,
        client_id: str,
        client_secret: str,
        *,
        token_auth: str = "client_secret_post",
        pkce: bool = True,
        timeout: float = START_TIMEOUT,
    ) -> AllauthRP:
        """Start the peer for ``issuer`` (no trailing slash: allauth appends
        ``/.well-known/openid-configuration``) and return once it answers.

        ``token_auth`` is how it authenticates at the token endpoint, ``client_secret_post``
        or ``client_secret_basic``. Raises ``AllauthRPError`` with the peer's output when it
        exits or does not answer within ``timeout`` seconds.
        """
        if self.process is not None:
            raise AllauthRPError("the peer is already started")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "PORT": str(self.port),
            "WORKERS": "1",
            "PEER_DATA_DIR": str(self.data_dir),
            "PEER_ISSUER": issuer,
            "PEER_CLIENT_ID": client_id,
            "PEER_CLIENT_SECRET": client_secret,
            "PEER_TOKEN_AUTH": token_auth,
            "PEER_PKCE": "1" if pkce else "0",
        }
        for name in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH", "PYTHONHOME"):
            env.pop(name, None)  # the peer has its own environment, never the main project's
        # Django imported from source on every start costs ~2 s more per start (the
        # migration 3 s instead of 1 s): let the peer keep .pyc files in its own, ignored,
        # .venv and peer/ directories even where the developer turned them off.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                ["bash", str(RUN_SH)],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: gunicorn and its worker
            )
        try:
            self._wait_until_ready(timeout)
        except BaseException:  # also Ctrl-C while waiting
            self.stop()
            raise
        return self

    def _wait_until_ready(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                self._fail(f"exited with code {self.process.returncode}")
            try:
                # the who-am-I page refuses a visitor: the app and its database are up
                if httpx.get(self.whoami_url, timeout=2).status_code == 403:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self._fail(f"did not answer 403 at {self.whoami_url} within {timeout:.0f} s")
            time.sleep(0.1)

    def _fail(self, reason: str) -> None:
        self.stop()
        raise AllauthRPError(
            f"the django-allauth peer ({RUN_SH}) {reason}.\n--- its output ---\n{self.output}"
        )

    def stop(self) -> None:
        """End run.sh's process group (gunicorn and its worker); safe to call twice."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def __enter__(self) -> AllauthRP:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@pytest.fixture
def allauth_rp(tmp_path: Path) -> Iterator[AllauthRP]:
    """An allauth peer, not started yet (its ``callback_url`` is known); stopped after the
    test, with its output printed (pytest shows it for a failed test only)."""
    peer = AllauthRP(tmp_path / "allauth-peer")
    try:
        yield peer
    finally:
        peer.stop()
        print(f"--- django-allauth peer {peer.base_url} output ---\n{peer.output}")
