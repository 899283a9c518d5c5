"""Sign-ins of returning users per second, and their latency, through socialservices and
through django-allauth, against the same local OpenID Connect provider, in one run.

Three ways through the same provider, each measured sequentially and with 8 concurrent
clients, in turns (five blocks of each, one way after the other) so that a slower
moment of the machine does not fall on one of them only:

- **floor**: a plain HTTP client does the flow's round trips itself: authorize (the
  provider approves at once), the token request, UserInfo. No app is involved: this is
  what any relying party must wait for.
- **socialservices**: ``socialservices serve`` (one process, the embedded SQLite
  default) with an OpenID Connect service. The client follows the app's sign-in link to
  the provider and back to the callback, which answers with the signed-in session. Then
  again with two processes of the same installation, sign-ins taking them in turn (as
  behind a balancer), to compare with allauth's two workers.
- **django-allauth**: its generic OpenID Connect provider (``bench/peers/allauth``,
  gunicorn with 2 workers, SQLite), the same way.

A sign-in counts from the first request until the app's callback has answered with its
redirect to the signed-in page. Every client signs in as the same person, who signed in
once before the measurement (a returning user); each sign-in starts from an empty cookie
jar, as a new browser. The provider (the tests' fake OpenID provider: discovery, RS256
ID tokens, UserInfo; it approves at once; HTTP/1.1 with keep-alive, as real providers
are) runs in its own process.

Our own cost per sign-in is our p50 minus the floor's p50, and the same for allauth.
Aims (issue 10): our own cost at most a third of allauth's; with 8 clients, at least
twice allauth's throughput. Run with ``make bench`` (it needs network access to PyPI once,
for the peer's own environment).
"""

from __future__ import annotations

import itertools
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.app_server import BINARY, free_port  # noqa: E402

PEER = ROOT / "bench" / "peers" / "allauth"
CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-secret-0123456789"
PROFILE = {
    "sub": "bench-user-1",
    "email": "alice@example.com",
    "email_verified": True,
    "given_name": "Alice",
    "family_name": "Example",
    "name": "Alice Example",
    "preferred_username": "alice",
}
SEQUENTIAL = int(os.environ.get("BENCH_SIGNINS", "200"))
#: made once: httpx reads the CA bundle for every client otherwise (16 ms), which would
#: be the benchmark's own cost, not the apps'
TLS = httpx.create_ssl_context()
CONCURRENT_CLIENTS = 8
CONCURRENT_EACH = max(SEQUENTIAL // CONCURRENT_CLIENTS, 10)
BLOCKS = 5  # each way measured in turns (see ``measure``)

IDP_SCRIPT = f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
from tests.support.fakes.openid import FakeOpenIDProvider
fake = FakeOpenIDProvider(client_id={CLIENT_ID!r}, client_secret={CLIENT_SECRET!r},
                          profile={PROFILE!r})
handler = fake._server.RequestHandlerClass
handler.protocol_version = "HTTP/1.1"  # keep-alive, as real providers
handler.disable_nagle_algorithm = True  # no 40 ms waits for delayed ACKs on kept connections
fake.start()
print(fake.issuer, flush=True)
while True:
    time.sleep(3600)
"""


# ------------------------------------------------------------------------ processes


def wait_until(url: str, ok: Callable[[httpx.Response], bool], process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args} exited with {process.returncode}")
        try:
            if ok(httpx.get(url, timeout=2)):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer in time")


def stop(process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_provider() -> tuple[subprocess.Popen, str]:  # type: ignore[type-arg]
    process = subprocess.Popen(
        [sys.executable, "-c", IDP_SCRIPT],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def clean_env() -> dict[str, str]:
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SOCIALSERVICES_", "PYTEST_", "NICEGUI_", "VIRTUAL_ENV", "UV_"))
    }


def start_ours(issuer: str, scratch: Path) -> tuple[subprocess.Popen, str]:  # type: ignore[type-arg]
    env = {**clean_env(), "SOCIALSERVICES_DATA_DIR": str(scratch / "ours")}
    config = scratch / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "services": {
                    "bench": {
                        "provider": "oidc",
                        "name": "Bench IdP",
                        "enabled": True,
                        "settings": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
                        "endpoints": {"issuer": issuer},
                    }
                },
                "registration": {
                    "allow_self_registration": True,
                    "allow_social_registration": True,
                    "denied_auth_groups": [],
                    "denied_link_groups": [],
                },
            }
        )
    )
    subprocess.run([str(BINARY), "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [str(BINARY), "config", "import", str(config)], env=env, check=True, capture_output=True
    )
    return serve_ours(scratch)


def serve_ours(scratch: Path) -> tuple[subprocess.Popen, str]:  # type: ignore[type-arg]
    """Another process of the same installation (same DATA_DIR and SQLite database)."""
    port = free_port()
    env = {**clean_env(), "SOCIALSERVICES_DATA_DIR": str(scratch / "ours")}
    command = [str(BINARY), "serve", "--port", str(port)]
    return launch(command, env, port, "/healthz", lambda r: r.status_code == 200)


def start_allauth(issuer: str, scratch: Path) -> tuple[subprocess.Popen, str]:  # type: ignore[type-arg]
    port = free_port()
    (scratch / "allauth").mkdir()
    env = {
        **clean_env(),
        "PORT": str(port),
        "WORKERS": "2",
        "PEER_DATA_DIR": str(scratch / "allauth"),
        "PEER_ISSUER": issuer,
        "PEER_CLIENT_ID": CLIENT_ID,
        "PEER_CLIENT_SECRET": CLIENT_SECRET,
        "PEER_TOKEN_AUTH": "client_secret_basic",  # what the provider takes
    }
    # its page for signed-in people refuses a visitor: the app is up
    return launch(
        ["bash", str(PEER / "run.sh")], env, port, "/done/", lambda r: r.status_code == 403
    )


def launch(
    command: list[str],
    env: dict[str, str],
    port: int,
    ready_path: str,
    ready: Callable[[httpx.Response], bool],
) -> tuple[subprocess.Popen, str]:  # type: ignore[type-arg]
    """Start a web app on ``port`` and wait until ``ready_path`` answers as ``ready``."""
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until(f"{base}{ready_path}", ready, process)
    return process, base


# ------------------------------------------------------------------------- sign-ins


class SignInFailed(RuntimeError):
    pass


def through_app(start_urls: list[str], callback_path: str) -> Callable[[], None]:
    """A sign-in through an app: its start URL, the provider, its callback (which must
    answer with a redirect and a session cookie), as a browser with no cookies yet. With
    several start URLs (processes), sign-ins take them in turn, as a balancer would."""
    turns = itertools.cycle(start_urls)
    lock = threading.Lock()

    def sign_in() -> None:
        with lock:
            start_url = next(turns)
        with httpx.Client(follow_redirects=False, timeout=30, verify=TLS) as browser:
            url = start_url
            for _ in range(6):
                response = browser.get(url)
                if urlsplit(url).path == callback_path:
                    if not response.is_redirect or not browser.cookies:
                        raise SignInFailed(f"callback answered {response.status_code}")
                    return
                if not response.is_redirect:
                    raise SignInFailed(f"{url} answered {response.status_code}")
                url = urljoin(url, response.headers["location"])
            raise SignInFailed("too many redirects")

    return sign_in


def floor(issuer: str) -> Callable[[], None]:
    """The provider's part alone: authorize, token, UserInfo, by a plain client."""
    redirect_uri = "http://127.0.0.1:9/callback"  # never visited: the code is in the Location

    def sign_in() -> None:
        with httpx.Client(follow_redirects=False, timeout=30, verify=TLS) as client:
            state = secrets.token_urlsafe(16)
            answer = client.get(
                f"{issuer}/authorize",
                params={
                    "client_id": CLIENT_ID,
                    "response_type": "code",
                    "redirect_uri": redirect_uri,
                    "scope": "openid email profile",
                    "state": state,
                    "nonce": secrets.token_urlsafe(16),
                },
            )
            code = httpx.URL(answer.headers["location"]).params["code"]
            tokens = client.post(
                f"{issuer}/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                },
                auth=(CLIENT_ID, CLIENT_SECRET),
            ).json()
            info = client.get(
                f"{issuer}/userinfo",
                headers={"Authorization": f"Bearer {tokens['access_token']}"},
            )
            if info.status_code != 200:
                raise SignInFailed(f"userinfo answered {info.status_code}")

    return sign_in


@dataclass
class Figures:
    p50: float
    p95: float
    per_second: float


@dataclass
class Samples:
    """One way's sign-ins so far: their latencies and the time its blocks took."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0

    def figures(self) -> Figures:
        latencies = sorted(self.latencies)
        return Figures(
            p50=statistics.median(latencies),
            p95=latencies[int(len(latencies) * 0.95) - 1],
            per_second=len(latencies) / self.wall,
        )


def run_block(sign_in: Callable[[], None], clients: int, each: int, into: Samples) -> None:
    lock = threading.Lock()
    errors: list[BaseException] = []

    def client() -> None:
        for _ in range(each):
            started = time.perf_counter()
            try:
                sign_in()
            except BaseException as error:  # reported below, not lost in a thread
                errors.append(error)
                return
            with lock:
                into.latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    into.wall += time.perf_counter() - started
    if errors:
        raise SystemExit(f"a sign-in failed: {errors[0]!r}")


def measure(
    ways: dict[str, Callable[[], None]], clients: int, each: int, blocks: int
) -> dict[str, Figures]:
    """``blocks`` blocks of each way in turn (``clients`` at once, ``each`` sign-ins
    each): the machine's slower and faster moments then fall on every way alike, where
    one way measured after the other would take whatever moment it got."""
    samples = {name: Samples() for name in ways}
    for _ in range(blocks):
        for name, sign_in in ways.items():
            run_block(sign_in, clients, each, samples[name])
    return {name: found.figures() for name, found in samples.items()}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-signin-") as scratch_name:
        scratch = Path(scratch_name)
        idp, issuer = start_provider()
        started: list[subprocess.Popen] = [idp]  # type: ignore[type-arg]
        try:
            ours, ours_base = start_ours(issuer, scratch)
            started.append(ours)
            second, second_base = serve_ours(scratch)
            started.append(second)
            allauth, allauth_base = start_allauth(issuer, scratch)
            started.append(allauth)
            ours_start = "{}/oauth/bench/login?next=/profile"
            ways = {
                "floor (provider only)": floor(issuer),
                "socialservices": through_app(
                    [ours_start.format(ours_base)], "/oauth/bench/callback"
                ),
                "socialservices, 2 processes": through_app(
                    [ours_start.format(base) for base in (ours_base, second_base)],
                    "/oauth/bench/callback",
                ),
                "django-allauth (2 workers)": through_app(
                    [f"{allauth_base}/accounts/oidc/bench/login/"],
                    "/accounts/oidc/bench/login/callback/",
                ),
            }
            for sign_in in ways.values():  # the person signs up once, then returns
                for _ in range(5):
                    sign_in()
            one = measure(ways, 1, SEQUENTIAL // BLOCKS, BLOCKS)
            eight = measure(ways, CONCURRENT_CLIENTS, CONCURRENT_EACH // BLOCKS, BLOCKS)
            results = {name: (one[name], eight[name]) for name in ways}
        finally:
            for process in reversed(started):
                stop(process)
    report(results)


def report(results: dict[str, tuple[Figures, Figures]]) -> None:
    print(
        f"returning users' sign-ins: {SEQUENTIAL} one after another, then "
        f"{CONCURRENT_CLIENTS} clients x {CONCURRENT_EACH}"
    )
    print(f"  {'':28s} {'1 client: p50':>14s} {'p95':>8s} {'per s':>7s}   "
          f"{'8 clients: p50':>14s} {'p95':>8s} {'per s':>7s}")  # fmt: skip
    for name, (one, eight) in results.items():
        print(
            f"  {name:28s} {one.p50 * 1000:11.1f} ms {one.p95 * 1000:5.1f} ms {one.per_second:7.1f}"
            f"   {eight.p50 * 1000:11.1f} ms {eight.p95 * 1000:5.1f} ms {eight.per_second:7.1f}"
        )
    floor_p50 = results["floor (provider only)"][0].p50
    ours_one, ours_eight = results["socialservices"]
    pair_eight = results["socialservices, 2 processes"][1]
    peer_one, peer_eight = results["django-allauth (2 workers)"]
    our_cost, peer_cost = ours_one.p50 - floor_p50, peer_one.p50 - floor_p50
    print(
        f"own cost per sign-in (p50 minus the floor's): socialservices {our_cost * 1000:.1f} ms, "
        f"django-allauth {peer_cost * 1000:.1f} ms: ratio {our_cost / peer_cost:.2f} "
        "(aim: at most 0.33)"
    )
    print(
        f"throughput with {CONCURRENT_CLIENTS} clients, against django-allauth's 2 workers: "
        f"socialservices {ours_eight.per_second / peer_eight.per_second:.2f} with one process, "
        f"{pair_eight.per_second / peer_eight.per_second:.2f} with two (aim: at least 2)"
    )


if __name__ == "__main__":
    main()
