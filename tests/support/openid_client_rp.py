"""A certified relying party (npm ``openid-client``) signs in at a provider, for the tests.

A provider's own tests only show that it agrees with itself; a client that someone else
wrote, and that checks everything the specifications ask, shows that others can use it.
``tests/support/idp/relying_party.mjs`` is that client; this module runs it for one
sign-in and hands the browser part to the test:

    result = run_openid_client_rp(
        issuer=provider.issuer,
        client_id="shop-client",
        client_secret="...",  # None: a public client (PKCE only)
        redirect_uri=callback.url,  # tests/support/callback_catcher.py
        sign_in=lambda url: ...,  # drives the browser from url to the callback; returns page.url
    )
    result["id_token"]["email"], result["userinfo"], result["refresh"], result["revocation"]

The script prints which step failed and why (the provider's error code and description);
``OpenidClientRpError`` carries that and the script's stderr.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping
from typing import IO, Any, NoReturn

from tests.support.oidc_provider import IDP_DIR

SCRIPT = IDP_DIR / "relying_party.mjs"
DEFAULT_SCOPE = "openid email profile offline_access"


class OpenidClientRpError(RuntimeError):
    """The relying party failed or did not answer; ``failed`` is its report, if any."""

    def __init__(self, message: str, *, failed: dict[str, Any] | None, stderr: str) -> None:
        self.failed = failed or {}
        self.step = self.failed.get("step")
        self.error = self.failed.get("error")
        self.stderr = stderr
        super().__init__(f"{message}\n--- relying_party.mjs stderr ---\n{stderr}")


class _Lines:
    """The script's output read in threads: a full pipe would block it, and a line that
    never comes must end in a timeout, not a hung test."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None and process.stderr is not None
        self.stdout: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str | None] = []
        self._threads = [
            threading.Thread(
                target=self._pump, args=(process.stdout, self.stdout.put), daemon=True
            ),
            threading.Thread(
                target=self._pump, args=(process.stderr, self._stderr.append), daemon=True
            ),
        ]
        for thread in self._threads:
            thread.start()

    @staticmethod
    def _pump(stream: IO[str], put: Callable[[str | None], None]) -> None:
        for line in stream:
            put(line.rstrip("\n"))
        put(None)  # end of output

    def next_json(self, timeout: float) -> dict[str, Any] | None:
        """The next JSON line on stdout; None at the end of the output. Other lines are skipped."""
        while True:
            line = self.stdout.get(timeout=timeout)
            if line is None:
                return None
            if line.startswith("{"):
                return json.loads(line)

    def stderr(self) -> str:
        for thread in self._threads:
            thread.join(timeout=2)
        return "\n".join(line for line in self._stderr if line is not None)


def run_openid_client_rp(
    *,
    issuer: str,
    client_id: str,
    redirect_uri: str,
    sign_in: Callable[[str], str],
    client_secret: str | None = None,
    auth_method: str | None = None,
    scope: str = DEFAULT_SCOPE,
    authorization_params: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> dict[str, Any]:
    """Sign in once at ``issuer`` with openid-client and return its report of every step.

    ``sign_in(authorize_url)`` takes the browser from the authorization URL through the
    provider's sign-in and returns the URL the browser was sent back to (``redirect_uri``
    with ``code`` and ``state``). ``auth_method``: ``client_secret_basic`` (default with a
    secret), ``client_secret_post`` or ``none`` (default without). ``authorization_params``
    are added to the authorization request (e.g. ``prompt=consent``). ``timeout`` bounds
    each HTTP request of the script, the wait for each of its lines, and its wait for the
    callback URL.

    The report: ``discovery`` (endpoints), ``code_exchange`` (scope, whether a refresh token
    came), ``id_token`` (validated claims), ``userinfo``, ``refresh`` (``new_refresh_token``:
    rotated; ``id_token``: the refreshed claims or None), ``revocation`` (None without a
    revocation endpoint; else ``refresh_token_refused`` and ``access_token_refused``, each
    the error openid-client got afterwards, or None if the token still worked).
    Raises ``OpenidClientRpError`` when a step fails or the script does not answer.
    """
    node = shutil.which("node")
    if node is None:
        raise OpenidClientRpError("`node` is not on PATH.", failed=None, stderr="")
    if not (IDP_DIR / "node_modules" / "openid-client").is_dir():
        raise OpenidClientRpError(
            f"{IDP_DIR}/node_modules/openid-client is missing: run `make node-packages`.",
            failed=None,
            stderr="",
        )
    env = {
        **os.environ,
        "RP_ISSUER": issuer,
        "RP_CLIENT_ID": client_id,
        "RP_REDIRECT_URI": redirect_uri,
        "RP_SCOPE": scope,
        "RP_PARAMS": json.dumps(dict(authorization_params or {})),
        "RP_TIMEOUT": str(timeout),
    }
    env.pop("RP_CLIENT_SECRET", None)
    env.pop("RP_AUTH_METHOD", None)
    if client_secret is not None:
        env["RP_CLIENT_SECRET"] = client_secret  # not on the command line, where ps shows it
    if auth_method is not None:
        env["RP_AUTH_METHOD"] = auth_method
    process = subprocess.Popen(
        [node, str(SCRIPT)],
        cwd=IDP_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    lines = _Lines(process)
    try:
        return _converse(process, lines, sign_in, timeout)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        for pipe in (process.stdin, process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


def _converse(
    process: subprocess.Popen[str],
    lines: _Lines,
    sign_in: Callable[[str], str],
    timeout: float,
) -> dict[str, Any]:
    # A few seconds more than the script's own timeouts, so that its report comes first.
    wait = timeout + 10
    first = _read(process, lines, wait, "the authorization URL")
    if "authorize" not in first:
        _raise(process, lines, first, "failed before the authorization URL")
    callback_url = sign_in(first["authorize"])
    assert process.stdin is not None
    try:
        process.stdin.write(callback_url + "\n")
        process.stdin.flush()
    except BrokenPipeError:
        pass  # it has exited (its callback timeout?); its report says why
    # Code exchange, two UserInfo calls, a refresh, two revocations and a refused refresh.
    last = _read(process, lines, wait * 3, "its result")
    if "result" not in last:
        _raise(process, lines, last, "failed")
    return last["result"]


def _read(
    process: subprocess.Popen[str], lines: _Lines, timeout: float, what: str
) -> dict[str, Any]:
    try:
        line = lines.next_json(timeout)
    except queue.Empty:
        process.kill()
        raise OpenidClientRpError(
            f"relying_party.mjs gave no {what} within {timeout} s",
            failed=None,
            stderr=lines.stderr(),
        ) from None
    if line is None:
        process.wait(timeout=10)
        raise OpenidClientRpError(
            f"relying_party.mjs exited ({process.returncode}) without {what}",
            failed=None,
            stderr=lines.stderr(),
        )
    return line


def _raise(
    process: subprocess.Popen[str], lines: _Lines, report: dict[str, Any], what: str
) -> NoReturn:
    process.wait(timeout=10)
    failed = report.get("failed")
    raise OpenidClientRpError(
        f"relying_party.mjs {what} (exit code {process.returncode}): {json.dumps(failed)}",
        failed=failed,
        stderr=lines.stderr(),
    )
