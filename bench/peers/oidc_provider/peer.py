"""npm ``oidc-provider`` as the peer of ``bench/provider.py``: installing it (its own
lock, ``npm ci``), starting ``server.js`` on a free port, and signing its one person in
once through its own login and consent forms over HTTP, so that the measured sign-ins
are those of a person already signed in, as they are at ours."""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import httpx

from bench.code_flow import Endpoints, RelyingParty

HERE = Path(__file__).resolve().parent
FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
PROMPT = re.compile(r'name="prompt" value="([^"]+)"')


def version() -> str:
    package = HERE / "node_modules" / "oidc-provider" / "package.json"
    return str(json.loads(package.read_text())["version"])


def install() -> None:
    """``npm ci`` from the lock, when node_modules is missing or older than the lock."""
    installed = HERE / "node_modules" / ".package-lock.json"
    lock = HERE / "package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is not on PATH: `make node-packages` installs Node.js and npm")
    subprocess.run(
        [npm, "ci", "--silent", "--no-audit", "--no-fund"], cwd=HERE, check=True, timeout=600
    )


@dataclass
class Peer:
    process: subprocess.Popen[str]
    issuer: str = ""
    lines: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(port: int, party: RelyingParty, account: dict[str, object]) -> Peer:
    """Start the peer with ``party``'s client and one ``account``; once it listens."""
    install()
    node = shutil.which("node")
    if node is None:
        raise SystemExit("node is not on PATH: `make node-packages` installs Node.js")
    client = {
        "client_id": party.client_id,
        "client_secret": party.client_secret,
        "redirect_uris": [party.redirect_uri],
    }
    process = subprocess.Popen(
        [node, str(HERE / "server.js")],
        cwd=HERE,
        env={
            **os.environ,
            "NODE_ENV": "production",
            "PEER_PORT": str(port),
            "PEER_CLIENT": json.dumps(client),
            "PEER_ACCOUNT": json.dumps(account),
        },
        stdin=subprocess.PIPE,  # it exits when this closes, even if the benchmark is killed
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peer = Peer(process)
    ready = threading.Event()

    def read() -> None:  # all along: a full pipe would stall the peer
        assert process.stdout is not None
        for line in process.stdout:
            peer.lines.append(line.rstrip())
            if line.startswith("PEER READY "):
                peer.issuer = line.split()[-1]
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(30):
        peer.stop()
        raise SystemExit("oidc-provider did not start:\n" + "\n".join(peer.lines))
    return peer


def sign_in_once(party: RelyingParty, login: str, password: str) -> httpx.Cookies:
    """Through the peer's development login and consent forms, as a browser would: the
    cookies of the signed-in person, whose later authorizations need no interaction."""
    endpoints = Endpoints.discover(party.issuer)
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        response = browser.get(
            endpoints.authorization,
            params={
                "response_type": "code",
                "client_id": party.client_id,
                "redirect_uri": party.redirect_uri,
                "scope": party.scope,
                "state": secrets.token_urlsafe(16),
            },
        )
        for _ in range(12):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if location.startswith(party.redirect_uri):
                    if "code=" not in location:
                        raise SystemExit(f"oidc-provider's sign-in ended with {location}")
                    return browser.cookies
                response = browser.get(location)
                continue
            form = FORM.search(response.text)
            prompt = PROMPT.search(form.group(2)) if form else None
            if form is None or prompt is None:
                raise SystemExit(f"no form at {response.url}: {response.text[:300]}")
            fields = {"prompt": prompt.group(1)}
            if prompt.group(1) == "login":
                fields |= {"login": login, "password": password}
            action = urljoin(str(response.url), html.unescape(form.group(1)))
            response = browser.post(action, data=fields)
    raise SystemExit("oidc-provider's sign-in did not come back to the redirect URI")
