"""The nginx harness protects a location with ``auth_request`` as docs/sites.md says, against
a fake verify server that answers 200, 401 or 403 by the cookie it is sent.

This proves the harness itself, with nginx alone: when tests/e2e/test_sites_nginx.py
later fails against our app, the fault is in our routes, not in how nginx was set up.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.nginx_proxy import SERVER, Answer, NginxProxy, Received, Recorder

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sites.md"
ALICE = {
    "X-Auth-Request-User": "42",
    "X-Auth-Request-Groups": "registered,staff",
    "X-Auth-Request-Preferred-Username": "alice",
}  # no X-Auth-Request-Email: hers is not verified


def fake_socialservices(request: Received) -> Answer:
    """What our app answers nginx, decided by the cookie ``who``: alice is let in, bob is
    refused, anybody else is not signed in."""
    who = dict(
        part.strip().split("=", 1)
        for part in (request.get("cookie") or "").split(";")
        if "=" in part
    ).get("who")
    path = urlsplit(request.path).path
    if path == "/auth/verify":
        if who == "alice":
            return Answer(200, headers=ALICE)
        return Answer(403 if who == "bob" else 401)
    if path == "/auth/refused":
        return Answer(403, f"<p id=why>Not for you: {request.get('x-original-url')}</p>")
    return Answer(200, f"<p id=ours>{request.path}</p>")  # /_socialservices/...


@pytest.fixture(scope="module")
def ours() -> Iterator[Recorder]:
    fake = Recorder(fake_socialservices)
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def proxy(ours: Recorder) -> Iterator[NginxProxy]:
    with NginxProxy(ours.url, server_name="localhost") as nginx:
        nginx.start()
        yield nginx


def get(proxy: NginxProxy, path: str, who: str = "", **headers: str) -> httpx.Response:
    cookies = {"who": who} if who else {}
    return httpx.get(
        proxy.url(path), cookies=cookies, headers=headers, follow_redirects=False, timeout=10
    )


def test_without_our_app_it_serves_a_static_file() -> None:
    with NginxProxy() as nginx:
        nginx.start()
        page = httpx.get(nginx.url("/public/"), timeout=10)
        assert page.status_code == 200
        assert "A public static page" in page.text
        assert httpx.get(nginx.url("/protected/"), timeout=10).status_code == 404  # nothing else


def test_a_person_we_let_in_reaches_the_upstream_with_the_user_headers(
    proxy: NginxProxy, ours: Recorder
) -> None:
    page = get(proxy, "/reports/?year=2026", who="alice")

    assert page.status_code == 200, proxy.report()
    assert proxy.upstream is not None
    seen = proxy.upstream.last("/reports/")
    assert seen is not None
    assert seen.get("x-auth-request-user") == "42"
    assert seen.get("x-auth-request-groups") == "registered,staff"
    assert seen.get("x-auth-request-preferred-username") == "alice"
    assert seen.get("x-auth-request-email") is None  # an empty value is not sent
    assert '<dd id="x-auth-request-user">42</dd>' in page.text
    asked = ours.last("/auth/verify")
    assert asked is not None
    assert asked.get("x-original-url") == f"http://{proxy.host}/reports/?year=2026"
    assert asked.get("cookie") == "who=alice"
    assert asked.get("content-length") is None


def test_the_browser_cannot_pass_user_headers_of_its_own(proxy: NginxProxy) -> None:
    forged = {"X-Auth-Request-Email": "root@example.org", "X-Auth-Request-User": "1"}
    assert get(proxy, "/forged/", who="alice", **forged).status_code == 200
    assert proxy.upstream is not None
    seen = proxy.upstream.last("/forged/")
    assert seen is not None
    assert seen.get("x-auth-request-user") == "42"
    assert seen.get("x-auth-request-email") is None  # not ours, and not the browser's
    assert seen.get("host") == proxy.host


def test_a_visitor_not_signed_in_is_sent_to_our_sign_in_and_back(
    proxy: NginxProxy, ours: Recorder
) -> None:
    answer = get(proxy, "/reports/?year=2026&q=a b")

    assert answer.status_code == 302
    # rd unencoded and last: everything after rd= is the URL to come back to
    assert answer.headers["location"] == (
        f"{ours.url}/auth/start?rd=http://{proxy.host}/reports/?year=2026&q=a%20b"
    )
    assert proxy.upstream is not None and proxy.upstream.last("/reports/?year=2026&q") is None


def test_a_person_we_refuse_gets_our_page_saying_why_with_403(
    proxy: NginxProxy, ours: Recorder
) -> None:
    answer = get(proxy, "/admin/", who="bob")

    assert answer.status_code == 403
    assert f"Not for you: http://{proxy.host}/admin/" in answer.text
    refused = ours.last("/auth/refused")
    assert refused is not None
    assert refused.method == "GET"
    assert refused.get("cookie") == "who=bob"
    assert proxy.upstream is not None and proxy.upstream.last("/admin/") is None


def test_a_static_file_behind_verify(proxy: NginxProxy) -> None:
    assert get(proxy, "/files/", who="alice").status_code == 200
    assert "A static page" in get(proxy, "/files/", who="alice").text
    assert get(proxy, "/files/").status_code == 302
    assert get(proxy, "/files/", who="bob").status_code == 403


def test_our_callback_path_reaches_us_with_the_applications_host(
    proxy: NginxProxy, ours: Recorder
) -> None:
    answer = get(proxy, "/_socialservices/callback?code=abc")

    assert answer.status_code == 200
    called = ours.last("/_socialservices/callback")
    assert called is not None
    assert called.path == "/_socialservices/callback?code=abc"
    assert called.get("host") == proxy.host
    assert called.get("x-forwarded-proto") == "http"


def test_the_verify_location_is_internal(proxy: NginxProxy, ours: Recorder) -> None:
    before = len(ours.requests)
    assert get(proxy, "/_socialservices/verify", who="alice").status_code == 404
    assert len(ours.requests) == before


def test_the_docs_give_the_same_server_block() -> None:
    """docs/sites.md's nginx snippet is the harness's, with the example's addresses."""
    ours = "https://id.example.org"
    documented = SERVER.format(auth_url=ours, public_url=ours, upstream="http://127.0.0.1:8080")
    text = DOCS.read_text()
    assert documented in text, "docs/sites.md's nginx snippet differs from SERVER"
    assert re.search(r"^## Applications behind a reverse proxy \(forward auth\)$", text, re.M)
