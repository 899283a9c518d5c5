"""nginx with ``auth_request`` protects applications that know no OpenID Connect through our
``/auth/verify``, in Chromium.

The set-up is the one docs/sites.md gives (tests/support/nginx_proxy.py, whose own test
proves it against a fake verify server, so a failure here is ours). Every party has a
host name of its own, as on a real site: cookies ignore ports, so two ports of one host
would share them. Chromium maps ``*.test`` to 127.0.0.1 (``--host-resolver-rules``):

- ``sso.example.test``: our app (its PUBLIC_URL), with ``COOKIE_DOMAIN=.example.test``;
- ``reports.other.test``: "Reports", for every user, outside that domain: the browser
  comes back from the sign-in with a one-time code, which becomes a cookie of that host;
- ``staff.example.test``: "Staff area", for administrators only, under the domain: our
  session cookie reaches its nginx, which passes it to ``/auth/verify``.

One app, two nginx and one browser serve the whole module; each test has a browser
context of its own (no cookies of another test).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import itsdangerous
import pytest
import yaml
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

from tests.support.app_server import AppServer, make_app_server
from tests.support.chromium import CHROMIUM_FLAGS
from tests.support.fakes.github import FakeGitHub
from tests.support.nginx_proxy import NginxProxy
from tests.support.provider_site import PASSWORD, ROUND_TRIP, SITE

OURS = "sso.example.test"
DOMAIN = "example.test"
REPORTS, REPORTS_NAME = "reports.other.test", "Reports"
STAFF, STAFF_NAME = "staff.example.test", "Staff area"
RESOLVE = "--host-resolver-rules=MAP *.test 127.0.0.1"
SESSION_COOKIE, PROXY_COOKIE = "socialservices_session", "socialservices_proxy"
#: GitHub's /user for the person who signs in with the button; /user/emails says their
#: address octocat@github.com is verified
OCTOCAT = {"login": "octocat", "id": 583231, "name": "Mona Lisa Octocat", "email": None}


@dataclass
class Installation:
    app: AppServer
    reports: NginxProxy
    staff: NginxProxy
    users: dict[str, str]  # login -> id (our sub)

    @property
    def url(self) -> str:
        """Our address, as the browser knows it."""
        return f"http://{OURS}:{self.app.port}"


# ------------------------------------------------------------------------------ set-up


@pytest.fixture(scope="module")
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub(client_id="gh-client", client_secret="gh-secret", profile=OCTOCAT)
    fake.start()
    yield fake
    fake.stop()


def _configure(app: AppServer, folder: Path, github: FakeGitHub) -> None:
    def proxy_application(app_id: str, name: str, host: str, **rules: object) -> dict[str, object]:
        return {"id": app_id, "site": SITE, "name": name, "kind": "proxy", "hosts": [host], **rules}

    config = {
        "applications": [
            proxy_application("reports", REPORTS_NAME, REPORTS),
            proxy_application("staff", STAFF_NAME, STAFF, allowed_groups=["administrators"]),
        ],
        "services": {
            "github": {
                "enabled": True,
                "settings": {"client_id": "gh-client", "client_secret": "gh-secret"},
                "endpoints": github.endpoints(),
            }
        },
        "registration": {
            "allow_self_registration": True,
            "allow_social_registration": True,
            "denied_auth_groups": [],
            "denied_link_groups": [],
        },
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    result = app.cli("config", "import", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def _add_user(app: AppServer, login: str, *, admin: bool = False) -> str:
    result = app.cli(
        "user", "create", "--login", login, "--email", f"{login}@example.org",
        *(["--admin"] if admin else []), "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    created = re.search(r"\(id (\d+)\)", result.stdout)
    assert created, result.stdout
    return created.group(1)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, github: FakeGitHub) -> Iterator[Installation]:
    folder = tmp_path_factory.mktemp("nginx-site")
    app = make_app_server(folder)
    app.env["SOCIALSERVICES_PUBLIC_URL"] = f"http://{OURS}:{app.port}"
    app.env["SOCIALSERVICES_COOKIE_DOMAIN"] = f".{DOMAIN}"
    _configure(app, folder, github)  # which also makes the database
    # the administrator is made while the app starts: each command costs seconds
    with ThreadPoolExecutor(1) as meanwhile:
        carol = meanwhile.submit(_add_user, app, "carol", admin=True)
        app.start()
        users = {"carol": carol.result()}
    # nginx reaches us at 127.0.0.1 (it resolves no *.test name); browsers at PUBLIC_URL
    public = f"http://{OURS}:{app.port}"
    reports = NginxProxy(app.base_url, public_url=public, server_name=REPORTS)
    staff = NginxProxy(app.base_url, public_url=public, server_name=STAFF)
    try:
        reports.start()
        staff.start()
        yield Installation(app, reports, staff, users)
    finally:
        app.stop()
        for proxy in (reports, staff):
            print(proxy.report())  # pytest shows it for a failed test only
            proxy.remove()
        print(f"--- our app ---\n{app.output}")


@pytest.fixture(scope="module")
def browser(playwright: Playwright, browser_type_launch_args: dict) -> Iterator[Browser]:  # type: ignore[type-arg]
    """This module's Chromium, which finds the *.test hosts on 127.0.0.1 (overrides
    pytest-playwright's ``browser``: ``context`` and ``page`` come from it)."""
    launched = playwright.chromium.launch(
        **{**browser_type_launch_args, "args": [*CHROMIUM_FLAGS, RESOLVE]}
    )
    yield launched
    launched.close()


# ------------------------------------------------------------------------------ helpers


def sign_in_with_password(page: Page, site: Installation, application: str, login: str) -> None:
    """On our sign-in page, which the proxy's 401 led to: it names the application."""
    expect(page).to_have_url(re.compile(re.escape(f"{site.url}/login?next=")), timeout=ROUND_TRIP)
    expect(page.get_by_text(f"Sign in to {application}").first).to_be_visible()
    page.get_by_label("Login or e-mail").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page, site: Installation) -> None:
    page.goto(f"{site.url}/profile")
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(f"{site.url}/login", timeout=ROUND_TRIP)


def cookie(context: BrowserContext, name: str, host: str) -> str:
    """The value of the cookie ``name`` that the browser sends to ``host``."""
    values = [c["value"] for c in context.cookies(f"http://{host}/") if c["name"] == name]
    assert len(values) == 1, f"{name} for {host}: {context.cookies()}"
    return values[0]


def through(proxy: NginxProxy, path: str, method: str = "GET", **cookies: str) -> httpx.Response:
    """A request to nginx as a browser with exactly ``cookies`` makes it (127.0.0.1, with
    the Host header: httpx resolves no *.test name)."""
    headers = {"Host": proxy.host}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    body = b"a=1" if method in ("POST", "PUT", "PATCH") else None
    return httpx.request(
        method, f"{proxy.local_url}{path}", headers=headers, content=body, timeout=10
    )


def ours(site: Installation, path: str, **cookies: str) -> httpx.Response:
    headers = {"Host": f"{OURS}:{site.app.port}"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return httpx.get(f"{site.app.base_url}{path}", headers=headers, timeout=10)


def sent_to_sign_in(answer: httpx.Response, site: Installation, proxy: NginxProxy) -> bool:
    """nginx's 302 to our /auth/start, for the page asked."""
    location = answer.headers.get("location", "")
    return answer.status_code == 302 and location.startswith(
        f"{site.url}/auth/start?rd=http://{proxy.host}/"
    )


def one_time_code(site: Installation, session: str, rd: str) -> str:
    """What /auth/start answers a signed-in browser going to ``rd``: the code in the
    address of the application's callback."""
    answer = ours(site, f"/auth/start?rd={rd}", **{SESSION_COOKIE: session})
    assert answer.status_code == 303, answer.text
    location = urlsplit(answer.headers["location"])
    assert location.path == "/_socialservices/callback", answer.headers["location"]
    return parse_qs(location.query)["code"][0]


@pytest.fixture(scope="module")
def carol_session(site: Installation, browser: Browser) -> str:
    """Our session cookie of carol (an administrator), signed in at /login in a browser
    context of its own: the refusal tests replay it, and others' cookies, over HTTP."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{site.url}/login?next=/profile")
        page.get_by_label("Login or e-mail").fill("carol")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(f"{site.url}/profile", timeout=ROUND_TRIP)
        return cookie(context, SESSION_COOKIE, OURS)
    finally:
        context.close()


# ------------------------------------------------------------------------------ the flow


def test_a_visitor_signs_in_with_github_lands_back_and_the_application_knows_them(
    site: Installation, context: BrowserContext, page: Page
) -> None:
    page.goto(site.reports.url("/quarterly/?year=2026&view=full"))
    expect(page.get_by_text(f"Sign in to {REPORTS_NAME}").first).to_be_visible(timeout=ROUND_TRIP)
    page.get_by_role("link", name="GitHub").click()  # the fake approves at once

    expect(page).to_have_url(
        site.reports.url("/quarterly/?year=2026&view=full"), timeout=ROUND_TRIP
    )
    sub = page.locator("#x-auth-request-user").inner_text()
    assert re.fullmatch(r"\d+", sub), sub  # the new account's id, our sub
    expect(page.locator("#x-auth-request-preferred-username")).not_to_be_empty()
    expect(page.locator("#x-auth-request-groups")).to_have_text("registered")
    expect(page.locator("#x-auth-request-email")).to_have_text("octocat@github.com")  # verified
    assert site.reports.upstream is not None
    seen = site.reports.upstream.last("/quarterly/")
    assert seen is not None and seen.get("x-auth-request-user") == sub
    # The application's host got a cookie of its own; our session cookie stays ours
    assert cookie(context, PROXY_COOKIE, REPORTS)
    assert SESSION_COOKIE not in (seen.get("cookie") or "")
    proxy_cookie = next(c for c in context.cookies() if c["name"] == PROXY_COOKIE)
    assert proxy_cookie["domain"] == REPORTS  # host-only
    assert proxy_cookie["httpOnly"] and proxy_cookie["sameSite"] == "Lax"

    page.goto(site.reports.url("/other/"))  # signed in: straight through
    expect(page.locator("#x-auth-request-user")).to_have_text(sub)

    sign_out(page, site)
    page.goto(site.reports.url("/quarterly/"))  # the proxy cookie ended with the session
    expect(page.get_by_text(f"Sign in to {REPORTS_NAME}").first).to_be_visible(timeout=ROUND_TRIP)
    expect(page).to_have_url(re.compile(re.escape(f"{site.url}/login?next=")))


def test_under_the_cookie_domain_an_administrator_goes_straight_back(
    site: Installation, context: BrowserContext, page: Page
) -> None:
    page.goto(site.staff.url("/"))
    sign_in_with_password(page, site, STAFF_NAME, "carol")

    expect(page).to_have_url(site.staff.url("/"), timeout=ROUND_TRIP)
    expect(page.locator("#x-auth-request-user")).to_have_text(site.users["carol"])
    # an address typed in at `user create`, which no service vouched for: not passed on
    expect(page.locator("#x-auth-request-email")).to_have_count(0)
    expect(page.locator("#x-auth-request-preferred-username")).to_have_text("carol")
    expect(page.locator("#x-auth-request-groups")).to_have_text(re.compile(r"\badministrators\b"))
    assert not [c for c in context.cookies() if c["name"] == PROXY_COOKIE]  # no code, no cookie

    sign_out(page, site)
    page.goto(site.staff.url("/"))
    expect(page).to_have_url(re.compile(re.escape(f"{site.url}/login?next=")), timeout=ROUND_TRIP)


def test_a_person_outside_the_allowed_groups_is_refused_with_our_page(
    site: Installation, context: BrowserContext, page: Page
) -> None:
    page.goto(site.staff.url("/payroll/"))
    expect(page.get_by_text(f"Sign in to {STAFF_NAME}").first).to_be_visible(timeout=ROUND_TRIP)
    page.get_by_role("link", name="GitHub").click()  # octocat: in "registered" only
    # our /auth/start refuses them, on our host, and says why
    expect(page.get_by_role("heading", name="No access")).to_be_visible(timeout=ROUND_TRIP)
    expect(page.get_by_text(f"{STAFF_NAME} is only for members of certain groups")).to_be_visible()
    assert page.url.startswith(site.url)

    # signed in here, their session cookie reaches the staff host: nginx's 403, our page
    answer = page.goto(site.staff.url("/payroll/"))
    assert answer is not None and answer.status == 403
    expect(page).to_have_url(site.staff.url("/payroll/"))
    expect(page.get_by_role("heading", name="No access")).to_be_visible()
    expect(page.get_by_text(re.compile(r"your account \S+ is not among them"))).to_be_visible()
    assert site.staff.upstream is not None and site.staff.upstream.last("/payroll/") is None


# ------------------------------------------------------------------------------ refusals


#: return addresses no application owns, each as /auth/start receives it
ELSEWHERE = [
    "http://elsewhere.test/",  # a host no application lists
    f"http://{REPORTS}.elsewhere.test/",  # one that ends like one
    f"http://{REPORTS}@elsewhere.test/",  # the application's name as user name
    f"http://elsewhere.test\\@{REPORTS}/",  # parsers that disagree on where the host is
    "//elsewhere.test/",  # no scheme
    f"javascript:alert(1)//{REPORTS}/",
    f"http://elsewhere.test/?back=http://{REPORTS}/",
    f"http%3A%2F%2Felsewhere.test%2F%3Fback%3D{REPORTS}",  # encoded
]


def test_a_return_address_no_application_owns_is_not_followed(
    site: Installation, carol_session: str, page: Page
) -> None:
    for rd in ELSEWHERE:
        answer = ours(site, f"/auth/start?rd={rd}", **{SESSION_COOKIE: carol_session})
        location = answer.headers.get("location", "")
        assert answer.status_code in (303, 400), (rd, answer.status_code)
        assert "elsewhere" not in location and "javascript" not in location, (rd, location)
        assert urlsplit(location).netloc in ("", f"{OURS}:{site.app.port}"), (rd, location)
    # anonymous, in the browser: our page says why, nothing is followed
    page.goto(f"{site.url}/auth/start?rd=http://elsewhere.test/")
    expect(page).to_have_url(re.compile("^" + re.escape(site.url)))
    expect(page.get_by_text("not an application of this site")).to_be_visible()


def test_a_forged_or_replayed_one_time_code_is_refused(
    site: Installation, carol_session: str
) -> None:
    session = carol_session

    forged = through(site.reports, "/_socialservices/callback?code=made-up-by-someone")
    assert forged.status_code == 400
    assert PROXY_COOKIE not in forged.headers.get("set-cookie", "")
    assert "expired or was already used" in forged.text

    code = one_time_code(site, session, f"http://{site.reports.host}/budget/")
    first = through(site.reports, f"/_socialservices/callback?code={code}")
    assert first.status_code == 303 and first.headers["location"] == "/budget/"
    granted = httpx.Cookies()
    granted.extract_cookies(first)
    assert granted.get(PROXY_COOKIE)
    replayed = through(site.reports, f"/_socialservices/callback?code={code}")
    assert replayed.status_code == 400
    assert PROXY_COOKIE not in replayed.headers.get("set-cookie", "")

    # a code for one host is no good on another, even of this site
    elsewhere = one_time_code(site, session, f"http://{site.reports.host}/budget/")
    assert through(site.staff, f"/_socialservices/callback?code={elsewhere}").status_code == 400
    assert through(site.reports, f"/_socialservices/callback?code={elsewhere}").status_code == 400


def test_cookies_from_elsewhere_let_nobody_in(site: Installation, carol_session: str) -> None:
    session = carol_session
    code = one_time_code(site, session, f"http://{site.reports.host}/")
    landed = through(site.reports, f"/_socialservices/callback?code={code}")
    proxy_cookie = landed.cookies[PROXY_COOKIE]
    # the genuine ones work (so the refusals below are the cookies' doing), whatever the
    # method: nginx asks with the request's own
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        answer = through(site.reports, "/form/", method, **{PROXY_COOKIE: proxy_cookie})
        assert answer.status_code == 200, method
    assert through(site.staff, "/", **{SESSION_COOKIE: session}).status_code == 200

    # a proxy cookie made up, or of another installation (its shape, not its value)
    made_up = "x" * len(proxy_cookie)
    for value in (made_up, proxy_cookie[:-4] + "abcd", ""):
        assert sent_to_sign_in(
            through(site.reports, "/", **{PROXY_COOKIE: value}), site, site.reports
        )
    # one application's cookie does not open another's door
    assert sent_to_sign_in(
        through(site.staff, "/", **{PROXY_COOKIE: proxy_cookie}), site, site.staff
    )
    # our session cookie, its content re-signed with another installation's secret
    content = session.split(".", 1)[0]
    assert json.loads(base64.b64decode(content))  # Starlette's: base64 JSON, then signature
    foreign = itsdangerous.TimestampSigner("another installation's secret key").sign(content)
    answer = through(site.staff, "/", **{SESSION_COOKIE: foreign.decode()})
    assert sent_to_sign_in(answer, site, site.staff)
    # the session cookie is no proxy cookie, and the proxy cookie no session cookie
    assert sent_to_sign_in(
        through(site.reports, "/", **{PROXY_COOKIE: session}), site, site.reports
    )
    assert sent_to_sign_in(
        through(site.staff, "/", **{SESSION_COOKIE: proxy_cookie}), site, site.staff
    )


def test_a_host_no_application_lists_gets_403_from_verify(site: Installation) -> None:
    asked = httpx.get(
        f"{site.app.base_url}/auth/verify",
        headers={"X-Original-URL": "http://elsewhere.test/"},
        timeout=10,
    )
    assert asked.status_code == 403
    asked = httpx.get(f"{site.app.base_url}/auth/verify", timeout=10)  # no address at all
    assert asked.status_code == 403
