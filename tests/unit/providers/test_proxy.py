"""Providers reach their services through the outgoing proxy the standard variables name
(providers.proxies, providers.http): a real proxy on 127.0.0.1 between our client and a
real fake GitHub, over https (a CONNECT tunnel) and plain http, and the no_proxy forms as
curl and Python's urllib read them."""

from __future__ import annotations

import base64
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from yarl import URL

from providers import http as provider_http
from providers.base import ProviderError, ServiceConfig, SignInResult
from providers.github import GitHub
from providers.proxies import proxies_from_environment
from tests.support.fakes.github import FakeGitHub
from tests.support.provider_contract import REDIRECT_URI, follow_authorize
from tests.support.proxy_server import ProxyServer
from tests.support.tls import LocalAuthority

SETTINGS = {"client_id": "Iv1.8a61f9b3a7aba766", "client_secret": "1a2b3c4d5e6f7a8b9c0d"}
PROFILE = {"login": "octocat", "id": 583231, "name": "Mona Lisa"}
#: what a sign-in asks of GitHub, in order
GITHUB_PATHS = ["/login/oauth/access_token", "/user", "/user/emails"]


@pytest.fixture
def proxy() -> Iterator[ProxyServer]:
    with ProxyServer() as server:
        yield server


@pytest.fixture
def authority(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalAuthority]:
    """Our own certificate authority, trusted by the providers' TLS settings, which are
    made once: forgotten before and after, so no other test trusts it."""
    authority = LocalAuthority(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(authority.ca_file))
    provider_http._tls.cache_clear()
    yield authority
    provider_http._tls.cache_clear()


def github() -> FakeGitHub:
    return FakeGitHub(
        client_id=SETTINGS["client_id"], client_secret=SETTINGS["client_secret"], profile=PROFILE
    )


@pytest.fixture
def https_github(authority: LocalAuthority) -> Iterator[FakeGitHub]:
    fake = github().serve_tls(authority.server_context()).start()
    yield fake
    fake.stop()


@pytest.fixture
def http_github() -> Iterator[FakeGitHub]:
    fake = github().start()
    yield fake
    fake.stop()


async def sign_in(
    service: FakeGitHub, browser_tls: ssl.SSLContext | None = None
) -> tuple[SignInResult, list[str]]:
    """A sign-in's result, and the paths our client asked the service for."""
    provider = GitHub(ServiceConfig(settings=SETTINGS, endpoints=service.endpoints()))
    request = await provider.begin(REDIRECT_URI)
    # the visitor's browser is not our client: it never takes the proxy here
    browser = httpx.AsyncClient(trust_env=False, verify=browser_tls or True)
    callback = await follow_authorize(request, browser)
    asked_before = len(service.requests)
    result = await provider.finish(request, callback, REDIRECT_URI)
    return result, [path for _, path, _ in service.requests[asked_before:]]


def tunnels(proxy: ProxyServer) -> list[tuple[str, str]]:
    return [(forwarded.method, forwarded.target) for forwarded in proxy.forwarded]


# ------------------------------------------------------------- through a real proxy


async def test_https_requests_tunnel_through_the_https_proxy(
    proxy: ProxyServer,
    https_github: FakeGitHub,
    authority: LocalAuthority,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    result, asked = await sign_in(https_github, authority.client_context())
    assert (result.profile.external_id, result.profile.email) == ("583231", "octocat@github.com")
    assert asked == GITHUB_PATHS
    # the fake closes each connection after its answer: one tunnel a request
    netloc = URL(https_github.base_url).raw_authority
    assert tunnels(proxy) == [("CONNECT", netloc)] * len(GITHUB_PATHS)


async def test_plain_http_requests_are_forwarded_in_absolute_form(
    proxy: ProxyServer, http_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("http_proxy", proxy.url)
    result, asked = await sign_in(http_github)
    assert result.profile.external_id == "583231"
    assert asked == GITHUB_PATHS
    assert tunnels(proxy) == [
        ("POST", http_github.url("/login/oauth/access_token")),
        ("GET", http_github.url("/user")),
        ("GET", http_github.url("/user/emails?per_page=100")),
    ]


@pytest.mark.parametrize(
    ("no_proxy", "through_proxy"),
    [
        ("127.0.0.1", False),
        ("127.0.0.0/8", False),
        ("127.0.0.1:{port}", False),
        ("*", False),
        ("localhost, 127.0.0.1", False),
        ("127.0.0.1:1", True),  # another port
        ("127.0.0.2", True),
        ("localhost", True),  # a name is not resolved to compare it with an address
        ("", True),
    ],
)
async def test_no_proxy_hosts_are_reached_directly(
    proxy: ProxyServer,
    https_github: FakeGitHub,
    authority: LocalAuthority,
    monkeypatch: pytest.MonkeyPatch,
    no_proxy: str,
    through_proxy: bool,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", no_proxy.format(port=URL(https_github.base_url).port))
    result, asked = await sign_in(https_github, authority.client_context())
    assert result.profile.external_id == "583231" and asked == GITHUB_PATHS
    assert len(proxy.forwarded) == (len(GITHUB_PATHS) if through_proxy else 0)


@pytest.mark.parametrize("variables", [{}, {"HTTP_PROXY": "{proxy}"}], ids=["none", "http-only"])
async def test_without_a_proxy_for_the_scheme_nothing_takes_it(
    proxy: ProxyServer,
    https_github: FakeGitHub,
    authority: LocalAuthority,
    monkeypatch: pytest.MonkeyPatch,
    variables: dict[str, str],
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value.format(proxy=proxy.url))
    result, asked = await sign_in(https_github, authority.client_context())
    assert result.profile.external_id == "583231" and asked == GITHUB_PATHS
    assert proxy.forwarded == []


async def test_the_proxy_s_credentials_go_to_the_proxy(
    https_github: FakeGitHub, authority: LocalAuthority, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ProxyServer(credentials=("alice", "p@ss word")) as proxy:
        netloc = URL(proxy.url).raw_authority
        monkeypatch.setenv("HTTPS_PROXY", f"alice:p%40ss%20word@{netloc}")  # no scheme: http
        result, _ = await sign_in(https_github, authority.client_context())
        assert result.profile.external_id == "583231"
        expected = "Basic " + base64.b64encode(b"alice:p@ss word").decode()
        assert {forwarded.authorization for forwarded in proxy.forwarded} == {expected}


async def test_a_proxy_that_refuses_makes_the_service_unavailable(
    https_github: FakeGitHub, authority: LocalAuthority, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ProxyServer(credentials=("alice", "secret")) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)  # without them
        with pytest.raises(ProviderError) as error:
            await sign_in(https_github, authority.client_context())
    assert error.value.code == "unavailable"
    assert proxy.forwarded == []


# ------------------------------------------------------------- how the variables read

PROXY = "http://proxy.internal:3128"


@pytest.mark.parametrize(
    ("no_proxy", "url", "direct"),
    [
        ("*", "https://api.github.com/user", True),
        ("example.org", "https://example.org/", True),
        ("example.org", "https://id.example.org/", True),  # and every name below it
        (".example.org", "https://id.example.org/", True),
        (".example.org", "https://example.org/", True),  # the leading dot changes nothing
        ("example.org.", "https://example.org./", True),
        ("example.org", "https://notexample.org/", False),
        ("EXAMPLE.org", "https://id.Example.ORG/", True),
        ("example.org:8443", "https://example.org:8443/", True),
        ("example.org:8443", "https://example.org/", False),
        ("example.org:443", "https://example.org/", True),  # the scheme's port is its port
        ("192.168.1.1", "http://192.168.1.1/", True),
        ("192.168.1.1:8080", "http://192.168.1.1:8081/", False),
        ("10.0.0.0/8", "http://10.1.2.3/", True),
        ("10.0.0.0/8", "http://11.1.2.3/", False),
        ("10.0.0.0/8", "http://intranet.example/", False),  # names are never resolved
        ("::1", "http://[::1]:8080/", True),
        ("[::1]:8080", "http://[::1]:8080/", True),
        ("[::1]:8080", "http://[::1]:8081/", False),
        ("fd00::/8", "https://[fd12::1]/", True),
        ("fd00::/8", "https://10.1.2.3/", False),
        ("a.example,b.example  c.example", "https://c.example/", True),  # commas or spaces
        ("a.example,,.", "https://example.org/", False),
    ],
)
def test_no_proxy_reads_as_curl_and_urllib_read_it(
    monkeypatch: pytest.MonkeyPatch, no_proxy: str, url: str, direct: bool
) -> None:
    monkeypatch.setenv("https_proxy", PROXY)
    monkeypatch.setenv("http_proxy", PROXY)
    monkeypatch.setenv("no_proxy", no_proxy)
    proxies = proxies_from_environment()
    assert proxies is not None
    assert proxies.proxy_for(URL(url)) == (None if direct else URL(PROXY))


def test_the_variables_read_as_urllib_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    assert proxies_from_environment() is None  # nothing to decide for each request
    monkeypatch.setenv("HTTPS_PROXY", "http://upper.internal:3128")
    monkeypatch.setenv("https_proxy", "lower.internal:3128")  # lower case wins; http://
    monkeypatch.setenv("HTTP_PROXY", PROXY)
    monkeypatch.setenv("REQUEST_METHOD", "GET")  # under CGI, a request could set HTTP_PROXY
    proxies = proxies_from_environment()
    assert proxies is not None
    assert proxies.proxy_for(URL("https://example.org/")) == URL("http://lower.internal:3128")
    assert proxies.proxy_for(URL("http://example.org/")) is None
