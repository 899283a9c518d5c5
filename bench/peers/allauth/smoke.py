"""Smoke test of the django-allauth peer against the tests' fake OpenID Connect provider.

Run with the MAIN project's python (it imports tests.support.fakes.openid):

    /work/main/.venv/bin/python bench/peers/allauth/smoke.py [--returning N]

It starts the fake IdP (127.0.0.1, random port), starts the peer through run.sh (its own
venv in bench/peers/allauth/.venv, gunicorn with 2 workers, a temporary PEER_DATA_DIR) on a
free port, then signs in like a browser that follows every redirect across both hosts:
once as a new user (auto sign-up), then N times (default 1) as the same, now returning,
user, each time with a fresh cookie jar. Each sign-in must end on /done/ with
"signed in as <username>". Prints the time and the requests of each sign-in, and what the
peer asked the IdP server to server. Stops everything it started.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin, urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from tests.support.fakes.openid import FakeOpenIDProvider  # noqa: E402

CLIENT_ID = "allauth-peer"
CLIENT_SECRET = "peer-secret"
PROFILE = {
    "sub": "bench-user-1",
    "email": "alice@example.com",
    "email_verified": True,
    "name": "Alice Example",
    "preferred_username": "alice",
}
LOGIN_PATH = "/accounts/oidc/bench/login/"
CALLBACK_PATH = "/accounts/oidc/bench/login/callback/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_peer(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120  # the first run may have to create .venv
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the peer exited ({process.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(base + "/done/", timeout=1).status_code == 403:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the peer did not answer in time:\n{log.read_text()}")


def sign_in(base: str) -> tuple[float, list[str], str]:
    """A browser's complete sign-in: the login URL, then every redirect, on any host.

    Returns (seconds, the requests made as "METHOD host path -> status", final body)."""
    trail: list[str] = []
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        started = time.perf_counter()
        url = base + LOGIN_PATH
        for _ in range(20):
            response = browser.get(url)
            parts = urlsplit(url)
            trail.append(f"GET {parts.netloc}{parts.path} -> {response.status_code}")
            if not response.is_redirect:
                break
            url = urljoin(url, response.headers["location"])
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        return elapsed, trail, f"{response.status_code}: {response.text[:500]}"
    return elapsed, trail, response.text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--returning", type=int, default=1, help="returning-user sign-ins")
    args = parser.parse_args()

    fake = FakeOpenIDProvider(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, profile=PROFILE)
    fake.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = tempfile.TemporaryDirectory(prefix="allauth-peer-")
    log = Path(data_dir.name) / "peer.log"
    env = {
        **os.environ,
        "PORT": str(port),
        "WORKERS": "2",
        "PEER_DATA_DIR": data_dir.name,
        "PEER_ISSUER": fake.issuer,
        "PEER_CLIENT_ID": CLIENT_ID,
        "PEER_CLIENT_SECRET": CLIENT_SECRET,
        # The fake OpenID provider takes client_secret_basic only, as many real ones do.
        "PEER_TOKEN_AUTH": fake.client_auth,
    }
    for name in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"):  # never the main project's venv
        env.pop(name, None)
    with log.open("wb") as out:
        peer = subprocess.Popen(
            ["bash", str(HERE / "run.sh")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: gunicorn and its workers
        )
    failed = False
    try:
        wait_for_peer(base, peer, log)
        print(f"peer:     {base} (gunicorn, 2 workers), IdP: {fake.issuer}")
        print(f"start:    {base}{LOGIN_PATH}")
        print(f"callback: {base}{CALLBACK_PATH}")
        kinds = ["new user"] + ["returning user"] * args.returning
        for number, kind in enumerate(kinds, 1):
            seen = len(fake.requests)
            elapsed, trail, body = sign_in(base)
            backchannel = [f"{m} {p}" for m, p, _ in fake.requests[seen:] if p != "/authorize"]
            ok = body == f"signed in as {PROFILE['preferred_username']}"
            failed |= not ok
            print(
                f"sign-in {number} ({kind}): {elapsed * 1000:.1f} ms, "
                f"{len(trail)} browser requests, {'OK' if ok else 'FAILED'}: {body!r}"
            )
            for line in trail:
                print(f"    browser  {line}")
            counts = Counter(backchannel)
            print("    peer->IdP " + ", ".join(f"{k} x{v}" for k, v in counts.items()))
        authorize = fake.authorize_requests[-1]
        print(
            "authorize request: "
            + ", ".join(
                f"{k}={v if k in ('scope', 'response_type') else '…'}"
                for k, v in sorted(authorize.items())
            )
        )
        assert authorize["redirect_uri"] == base + CALLBACK_PATH, authorize["redirect_uri"]
        with sqlite3.connect(Path(data_dir.name) / "db.sqlite3") as db:
            users = db.execute("SELECT count(*) FROM auth_user").fetchone()[0]
            accounts = db.execute(
                "SELECT count(*) FROM socialaccount_socialaccount WHERE uid = ?", (PROFILE["sub"],)
            ).fetchone()[0]
        print(f"database: {users} user(s), {accounts} social account(s) for sub={PROFILE['sub']}")
        failed |= (users, accounts) != (1, 1)
    finally:
        os.killpg(peer.pid, signal.SIGTERM)  # the group run.sh started (gunicorn: exec'd)
        try:
            peer.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(peer.pid, signal.SIGKILL)
            peer.wait()
        fake.stop()
        output = log.read_text().strip()
        if output:
            print("peer output:\n" + output)
        data_dir.cleanup()
    print("smoke: FAILED" if failed else "smoke: passed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
