"""Complete OpenID Connect code-flow sign-ins of a person who is already signed in at the
provider, against any issuer: the driver of ``bench/provider.py``.

Everything it needs is the issuer (whose discovery document names every endpoint), the
client's credentials, its redirect URI and the cookies of a signed-in browser, so that
our provider and its peer are driven by the very same code.

One sign-in is what a browser and a relying party do together, without the browser:

1. GET the authorization endpoint with a fresh PKCE pair (S256), ``state`` and ``nonce``,
   following the provider's redirects until one goes to the redirect URI (never
   visited: the code is read from the ``Location``);
2. POST the code to the token endpoint (``client_secret_basic``, with the verifier);
3. GET UserInfo with the access token.

It counts only when it is correct: the code came back with our ``state``, the token
response has an ID token from this issuer for this client whose ``nonce`` is ours, and a
refresh token, and UserInfo answered 200 for the ID token's subject. The ID token's
signature is checked once, before measuring (``check_signature``): checking it on every
sign-in would add the same client work to both sides, on the cores the providers use.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet

#: httpx reads the CA bundle for every client otherwise; the benchmark's cost, not theirs
TLS = httpx.create_ssl_context()
MAX_HOPS = 8  # redirects an authorization may take before it reaches the redirect URI


class SignInFailed(RuntimeError):
    """A sign-in that did not end with a correct code, tokens and UserInfo."""


#: what a sign-in that went wrong raises: counted as failed, not as a crash of the run
FAILURES = (SignInFailed, httpx.HTTPError, ValueError, KeyError)


@dataclass(frozen=True)
class RelyingParty:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    scope: str = "openid profile email"


@dataclass(frozen=True)
class Endpoints:
    """What the issuer's discovery document says."""

    authorization: str
    token: str
    userinfo: str
    jwks: str

    @classmethod
    def discover(cls, issuer: str) -> Endpoints:
        document = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=10)
        document.raise_for_status()
        found = document.json()
        if found.get("issuer") != issuer:
            raise SignInFailed(f"discovery names issuer {found.get('issuer')!r}, not {issuer!r}")
        return cls(
            authorization=found["authorization_endpoint"],
            token=found["token_endpoint"],
            userinfo=found["userinfo_endpoint"],
            jwks=found["jwks_uri"],
        )


@dataclass(frozen=True)
class Outcome:
    subject: str
    id_token: str
    refresh_token: str


@dataclass
class Samples:
    """One side's measured sign-ins so far, over one or more runs."""

    latencies: list[float] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)
    wall: float = 0.0

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p95(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(int(len(ordered) * 0.95) - 1, 0)]


def unverified_claims(id_token: str) -> dict[str, object]:
    payload = id_token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


class Driver:
    """Sign-ins at one issuer, as one signed-in person (``cookies``)."""

    def __init__(self, party: RelyingParty, cookies: httpx.Cookies) -> None:
        self.party = party
        self.cookies = cookies
        self.endpoints = Endpoints.discover(party.issuer)
        # the keys once at the start, as a relying party caches them
        self.keys = KeySet.import_key_set(httpx.get(self.endpoints.jwks, timeout=10).json())

    def client(self) -> httpx.Client:
        """A client of its own connections, with a copy of the signed-in cookies."""
        return httpx.Client(
            cookies=httpx.Cookies(self.cookies), follow_redirects=False, timeout=30, verify=TLS
        )

    def sign_in(self, client: httpx.Client, userinfo: bool = True) -> Outcome:
        """One sign-in; without ``userinfo``, it stops once the tokens are checked."""
        party = self.party
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        code = self._authorize(
            client,
            {
                "response_type": "code",
                "client_id": party.client_id,
                "redirect_uri": party.redirect_uri,
                "scope": party.scope,
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge.rstrip(b"=").decode(),
                "code_challenge_method": "S256",
            },
            state,
        )
        answer = client.post(
            self.endpoints.token,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": party.redirect_uri,
                "code_verifier": verifier,
            },
            auth=(party.client_id, party.client_secret),
        )
        tokens = self._tokens(answer)
        claims = unverified_claims(tokens["id_token"])
        if claims.get("nonce") != nonce:
            raise SignInFailed(f"the ID token's nonce is {claims.get('nonce')!r}, not ours")
        if not userinfo:
            return Outcome(str(claims["sub"]), tokens["id_token"], tokens["refresh_token"])
        info = client.get(
            self.endpoints.userinfo, headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        if info.status_code != 200:
            raise SignInFailed(f"UserInfo answered {info.status_code}: {info.text[:200]}")
        if info.json().get("sub") != claims["sub"]:
            raise SignInFailed("UserInfo names another subject than the ID token")
        return Outcome(str(claims["sub"]), tokens["id_token"], tokens["refresh_token"])

    def _authorize(self, client: httpx.Client, params: dict[str, str], state: str) -> str:
        """Follow the authorization's redirects to the redirect URI; its code."""
        target = urlsplit(self.party.redirect_uri)
        response = client.get(self.endpoints.authorization, params=params)
        for _ in range(MAX_HOPS):
            if not response.is_redirect:
                raise SignInFailed(
                    f"the authorization stopped at {response.url} with {response.status_code}"
                    " instead of coming back with a code (is the person signed in?)"
                )
            location = urljoin(str(response.url), response.headers["location"])
            found = urlsplit(location)
            if (found.scheme, found.netloc, found.path) == (
                target.scheme,
                target.netloc,
                target.path,
            ):
                query = httpx.URL(location).params
                if "error" in query:
                    raise SignInFailed(f"the authorization answered {dict(query)}")
                if query.get("state") != state:
                    raise SignInFailed("the code came back with another state")
                if "iss" in query and query["iss"] != self.party.issuer:
                    raise SignInFailed(f"the code came back from issuer {query['iss']!r}")
                return query["code"]
            response = client.get(location)
        raise SignInFailed(f"more than {MAX_HOPS} redirects")

    def _tokens(self, answer: httpx.Response) -> dict[str, str]:
        if answer.status_code != 200:
            raise SignInFailed(f"the token endpoint answered {answer.status_code}: {answer.text}")
        tokens = answer.json()
        for name in ("access_token", "id_token", "refresh_token"):
            if not tokens.get(name):
                raise SignInFailed(f"the token response has no {name}")
        if str(tokens.get("token_type", "")).lower() != "bearer":
            raise SignInFailed(f"token_type {tokens.get('token_type')!r}")
        claims = unverified_claims(tokens["id_token"])
        audience = claims.get("aud")
        if claims.get("iss") != self.party.issuer or self.party.client_id not in (
            audience if isinstance(audience, list) else [audience]
        ):
            raise SignInFailed(f"the ID token is for {audience!r} from {claims.get('iss')!r}")
        return dict(tokens)

    def refresh(self, client: httpx.Client, refresh_token: str) -> str:
        """Use a refresh token (it must still be live); the new one it is rotated to."""
        answer = client.post(
            self.endpoints.token,
            data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            auth=(self.party.client_id, self.party.client_secret),
        )
        if answer.status_code != 200:
            raise SignInFailed(f"the refresh answered {answer.status_code}: {answer.text}")
        return str(answer.json().get("refresh_token") or refresh_token)

    def check_signature(self, outcome: Outcome) -> str:
        """The ID token verifies against the issuer's published keys; its algorithm."""
        token = jwt.decode(outcome.id_token, self.keys, algorithms=["RS256", "ES256", "PS256"])
        return str(token.header["alg"])

    def run(self, clients: int, seconds: float, into: Samples) -> None:
        """``clients`` at once, each signing in again and again for ``seconds``."""
        deadline = time.perf_counter() + seconds
        lock = threading.Lock()

        def one_client() -> None:
            with self.client() as client:
                while time.perf_counter() < deadline:
                    started = time.perf_counter()
                    try:
                        self.sign_in(client)
                    except FAILURES as error:
                        with lock:
                            into.failures.append(error)
                        continue
                    with lock:
                        into.latencies.append(time.perf_counter() - started)

        self._in_threads(one_client, clients, into)

    def refresh_tokens(self, count: int, clients: int) -> list[str]:
        """``count`` sign-ins without UserInfo (not needed for a refresh token), ``clients``
        at once: the refresh tokens they were given, in order (each one left live)."""
        tokens: dict[int, str] = {}
        numbers = iter(range(count))
        lock = threading.Lock()
        failed = Samples()

        def one_client() -> None:
            with self.client() as client:
                while True:
                    with lock:
                        number = next(numbers, None)
                    if number is None or failed.failures:
                        return
                    try:
                        tokens[number] = self.sign_in(client, userinfo=False).refresh_token
                    except FAILURES as error:
                        failed.failures.append(error)

        self._in_threads(one_client, clients, failed)
        if failed.failures:
            raise SignInFailed(f"making refresh tokens: {failed.failures[0]!r}")
        return [tokens[number] for number in range(count)]

    @staticmethod
    def _in_threads(work: Callable[[], None], clients: int, into: Samples) -> None:
        threads = [threading.Thread(target=work) for _ in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        into.wall += time.perf_counter() - started
