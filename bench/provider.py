"""Complete code-flow sign-ins of a person already signed in at the provider, per second and
their p50 and p95, through our provider role and through npm ``oidc-provider`` (a
certified Node provider, ``bench/peers/oidc_provider``) set up the same way, in one run;
and the memory of our process with 10,000 live refresh tokens.

A sign-in is authorize (with a fresh PKCE pair, ``state`` and ``nonce``) -> code -> token
-> UserInfo, driven by the same code on both sides (``bench/code_flow.py``), which counts
only correct ones. Both sides have one confidential client (``client_secret_basic``), the
scopes ``openid profile email``, RS256 ID tokens, a refresh token with each code, one
person, one server process. The person signs in once before measuring: at ours through
``/login`` in Chromium (a NiceGUI page), at the peer through its login and consent forms
over HTTP; the measured sign-ins then carry that browser's cookies.

Each side runs ``--rounds`` times for ``--seconds`` with 1 client, then with 8, the sides
in turns, so that a slower moment of this noisy machine does not fall on one side only.
Aim (issue 18): at least the peer's sign-ins per second, with one process.

Memory: our process's VmRSS at rest (started, the person signed in), before and after
10,000 more code flows (authorize and token, without UserInfo), each of which leaves a
live refresh token: the only way to make one through our HTTP interface, as refreshing
one rotates it and the count stays. Afterwards the first, middle and last of them must
still refresh. The peer's figures are printed beside them.

Also printed: the processor time the provider's process and the load generator spent per
sign-in, which the others' load on this machine moves much less than times. Run with
``.venv/bin/python bench/provider.py [--seconds N] [--rounds N] [--refresh-tokens N]``;
``npm ci`` installs the peer's lock the first time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml
from joserfc.errors import JoseError
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.code_flow import FAILURES, Driver, RelyingParty, Samples  # noqa: E402
from bench.peers.oidc_provider import peer as oidc_provider  # noqa: E402
from tests.support.app_server import AppServer, free_port, make_app_server  # noqa: E402
from tests.support.browser_sign_in import sign_in  # noqa: E402
from tests.support.chromium import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402

CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-client-secret-0123456789abcdefghij"  # the config file wants >= 32
REDIRECT_URI = "http://127.0.0.1:8081/redirect_uri"  # never visited: the code is read off it
LOGIN, EMAIL, PASSWORD = "bench", "bench@example.org", "a long bench password"
PEER_ACCOUNT = {
    "sub": LOGIN,
    "email": EMAIL,
    "email_verified": True,
    "name": "Bench Person",
    "given_name": "Bench",
    "family_name": "Person",
    "preferred_username": LOGIN,
}
#: our side's client, registered through the config file as an administrator would
APPLICATION = {
    "id": "bench",
    "site": "s1",  # the default site's id on a fresh installation
    "name": "Bench",
    "kind": "confidential",
    "client_id": CLIENT_ID,
    "client_secret": CLIENT_SECRET,
    "redirect_uris": [REDIRECT_URI],
    "post_logout_redirect_uris": ["http://127.0.0.1:8081/"],
}
NOT_YET = "our provider role is not on this checkout yet"


@dataclass
class Side:
    name: str
    driver: Driver
    pid: int
    stop: Callable[[], None]
    at_rest: int = 0  # VmRSS in kB once the person signed in, before any code flow
    runs: dict[int, Samples] = field(default_factory=dict)  # clients -> samples
    cpu: dict[int, Cpu] = field(default_factory=dict)  # clients -> processor time

    def cpu_per_sign_in(self, clients: int) -> float:
        """The provider's processor seconds per correct sign-in."""
        done = len(self.runs[clients].latencies)
        return self.cpu[clients].server / done if done else float("nan")


@dataclass
class Cpu:
    """Processor seconds of the provider's process and of this one (the load)."""

    server: float = 0.0
    load: float = 0.0


def cpu_seconds(pid: int) -> float:
    """User and system time of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


# ------------------------------------------------------------------------------ the peer


def start_peer() -> Side:
    port = free_port()
    party = RelyingParty(f"http://127.0.0.1:{port}", CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    peer = oidc_provider.start(port, party, PEER_ACCOUNT)
    try:
        cookies = oidc_provider.sign_in_once(party, LOGIN, PASSWORD)
        name = f"oidc-provider {oidc_provider.version()}"
        side = Side(name, Driver(party, cookies), peer.pid, peer.stop, rss_kb(peer.pid))
    except BaseException:
        peer.stop()
        raise
    return side


# ------------------------------------------------------------------------------ our side


def start_ours(scratch: Path) -> Side | None:
    """Our app with the application and the person, signed in; None (and why, printed)
    while this checkout has no provider role yet."""
    app = make_app_server(scratch)
    app.env["SOCIALSERVICES_PUBLIC_URL"] = app.base_url
    created = app.cli(
        "user", "create", "--login", LOGIN, "--email", EMAIL, "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    if created.returncode != 0:
        raise SystemExit(f"socialservices user create failed:\n{created.stderr}")
    config = scratch / "applications.yaml"
    config.write_text(yaml.safe_dump({"applications": [APPLICATION]}))
    imported = app.cli("config", "import", str(config))
    app.start(timeout=60)
    try:
        discovery = httpx.get(f"{app.base_url}/.well-known/openid-configuration", timeout=10)
        missing = ""
        if discovery.status_code != 200 or "authorization_endpoint" not in discovery.text:
            missing = f"discovery answered {discovery.status_code}"
        elif imported.returncode != 0:  # the config file cannot register applications yet
            missing = "config import: " + " ".join(imported.stderr.split())[:200]
        if missing:
            print(f"socialservices: {NOT_YET} ({missing})")
            app.stop()
            return None
        party = RelyingParty(app.base_url, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
        cookies = browser_sign_in(app)
        assert app.process is not None
        pid = app.process.pid
        return Side("socialservices", Driver(party, cookies), pid, app.stop, rss_kb(pid))
    except BaseException:
        app.stop()
        raise


def browser_sign_in(app: AppServer) -> httpx.Cookies:
    """Sign in at our /login in Chromium, as a person does; that browser's cookies."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(locale="en-US")
            page = context.new_page()
            sign_in(page, app.base_url, LOGIN, PASSWORD, next_path="/profile")
            page.wait_for_url(f"{app.base_url}/profile", timeout=30_000)
            cookies = httpx.Cookies()
            for cookie in context.cookies():
                cookies.set(
                    cookie["name"], cookie["value"], domain=cookie["domain"], path=cookie["path"]
                )
        finally:
            browser.close()
    return cookies


# ---------------------------------------------------------------------------- measuring


def warm_up(sides: list[Side], seconds: float) -> list[Side]:
    """Each side signs in once (its ID token's signature checked), then is warmed up;
    the sides that could sign in."""
    ready = []
    for side in sides:
        try:
            with side.driver.client() as client:
                algorithm = side.driver.check_signature(side.driver.sign_in(client))
        except (*FAILURES, JoseError) as error:
            print(f"  {side.name}: the first sign-in failed, not measured: {error!r}"[:400])
            continue
        print(f"  {side.name}: a sign-in without interaction, ID token {algorithm} verified")
        side.driver.run(8, seconds, Samples())
        ready.append(side)
    return ready


def measure(sides: list[Side], rounds: int, seconds: float) -> None:
    """Each side ``rounds`` times, in turns, with 1 client, then with 8; and the processor
    time both processes spent meanwhile (times here move with the others' load on this
    machine, processor time per sign-in much less)."""
    for clients in (1, 8):
        for side in sides:
            side.runs[clients], side.cpu[clients] = Samples(), Cpu()
        for _ in range(rounds):
            for side in sides:
                server, load = cpu_seconds(side.pid), cpu_seconds(os.getpid())
                side.driver.run(clients, seconds, side.runs[clients])
                side.cpu[clients].server += cpu_seconds(side.pid) - server
                side.cpu[clients].load += cpu_seconds(os.getpid()) - load


def memory(side: Side, count: int) -> tuple[int, int, str]:
    """VmRSS before and after ``count`` sign-ins that each leave a live refresh token;
    then whether the first, middle and last of those tokens still work."""
    before = rss_kb(side.pid)
    tokens = side.driver.refresh_tokens(count, clients=8)
    after = rss_kb(side.pid)
    live = 0
    with side.driver.client() as client:
        for token in (tokens[0], tokens[len(tokens) // 2], tokens[-1]):
            try:
                side.driver.refresh(client, token)
                live += 1
            except Exception:  # reported as a count: a refused token is not live
                pass
    return before, after, f"{live}/3"


# ------------------------------------------------------------------------------- report


def report_speed(sides: list[Side]) -> None:
    print(f"  {'':24s} {'1 client: p50':>13s} {'p95':>8s} {'per s':>6s}  "
          f"{'8 clients: p50':>14s} {'p95':>8s} {'per s':>6s}  {'failed':>6s}")  # fmt: skip
    for side in sides:
        line = f"  {side.name:24s}"
        for clients, width in ((1, 10), (8, 11)):
            samples = side.runs[clients]
            if samples.latencies:
                line += (
                    f" {samples.p50 * 1000:{width}.1f} ms {samples.p95 * 1000:5.1f} ms"
                    f" {samples.per_second:6.1f} "
                )
            else:
                line += f" {'no correct sign-in':>{width + 20}s} "
        failures = side.runs[1].failures + side.runs[8].failures
        print(f"{line} {len(failures):6d}")
        if failures:
            print(f"    the first failure: {failures[0]!r}"[:300])
    print("  processor time per sign-in, the provider's process / the load generator's:")
    for side in sides:
        line = f"  {side.name:24s}"
        for clients in (1, 8):
            load = side.cpu[clients].load / max(len(side.runs[clients].latencies), 1)
            line += f"  {clients} client{'s' * (clients > 1)}: "
            line += f"{side.cpu_per_sign_in(clients) * 1000:5.2f} / {load * 1000:5.2f} ms"
        print(line)


def report_ratios(peer: Side, ours: Side) -> None:
    for clients in (1, 8):
        speed = ratio(ours.runs[clients].per_second, peer.runs[clients].per_second)
        cost = ratio(ours.cpu_per_sign_in(clients), peer.cpu_per_sign_in(clients))
        print(
            f"ours/theirs with {clients} client{'s' * (clients > 1)}: sign-ins per second "
            f"{speed:.2f} (aim: at least 1); the provider's processor time per sign-in {cost:.2f}"
        )


def ratio(mine: float, theirs: float) -> float:
    return mine / theirs if theirs else float("nan")


def report_memory(side: Side, before: int, after: int, live: str, count: int) -> None:
    mb = 1024
    print(
        f"  {side.name:24s} at rest {side.at_rest / mb:6.1f} MB, before {before / mb:6.1f} MB,"
        f" after {after / mb:6.1f} MB ({after / side.at_rest:.2f}x at rest,"
        f" {(after - before) / count:.2f} kB per flow); tokens still live: {live}"
    )


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--seconds", type=float, default=5, help="length of each run")
    arguments.add_argument("--rounds", type=int, default=2, help="runs of each side, in turns")
    arguments.add_argument("--refresh-tokens", type=int, default=10_000, metavar="N")
    options = arguments.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-provider-") as scratch:
        started = [start_peer()]
        try:
            ours = start_ours(Path(scratch))
            if ours is not None:
                started.append(ours)
            missing = NOT_YET if ours is None else ""
            run(started, options.seconds, options.rounds, options.refresh_tokens, missing)
        finally:
            for side in reversed(started):
                side.stop()


def run(started: list[Side], seconds: float, rounds: int, count: int, missing: str) -> None:
    """Measure the sides that started; ``missing`` says why ours did not, if it did not."""
    print(
        "code-flow sign-ins of a signed-in person (authorize -> code -> token -> UserInfo, "
        f"PKCE S256): {rounds} runs of {seconds:g} s per side and client count, in turns"
    )
    print(
        f"  this machine has {os.cpu_count()} cores: the load generator (this process, one "
        "thread per client) competes with the provider for them; both sides are driven "
        "the same way, each as one server process"
    )
    sides = warm_up(started, min(seconds, 2))
    measure(sides, rounds, seconds)
    report_speed(sides)
    if missing:
        print(f"  {'socialservices':24s} {missing}")
    if len(sides) == 2:
        report_ratios(*sides)
    print(f"memory (VmRSS): at rest, then before and after {count:,} more code flows "
          "(authorize, token; 8 clients), each leaving a live refresh token")  # fmt: skip
    if missing:
        print(f"  {'socialservices':24s} {missing}")
    for side in reversed(sides):
        try:
            report_memory(side, *memory(side, count), count)
        except FAILURES as error:
            print(f"  {side.name:24s} failed: {error!r}"[:400])
    print("  the peer keeps every token in its process (in memory); ours in SQLite")


if __name__ == "__main__":
    main()
