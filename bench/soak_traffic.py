"""What the soak's people do, each as one action that raises when it did not work:

- a sign-in through the service "soak" over HTTP, as a browser with no cookies yet
  (``social_sign_in``): the app's start URL, the provider (told who signs in), the
  app's callback, which must answer with a session and send the person on to
  ``/profile``; a newcomer gets an account and a link, a returning person their own;
- in Chromium (``Browsers``, one thread): a person's ``/profile`` opened and left open
  with its live connection, a message posted on ``/feed`` (shown back on the page), and
  an administrator saving a site's name on its page ("Site saved.").

The browser's pages each go to one process (a page's live connection stays with the
process that drew it, as ``docs/deploy.md``'s balancer keeps it).
"""

from __future__ import annotations

from collections import deque
from urllib.parse import urljoin, urlsplit

import httpx
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from bench.code_flow import TLS
from tests.support.browser_sign_in import ADMIN, ADMIN_PASSWORD, sign_in
from tests.support.chromium import CHROMIUM, CHROMIUM_FLAGS

SERVICE = "soak"
LANDING = "/profile"
#: how long a page may take to load, or a post or a save to show, before it counts as failed
PAGE_MS = 30_000
#: profile pages left open at once (the oldest closed when another opens)
OPEN_PROFILES = 16


class ActionFailed(RuntimeError):
    """An action that did not end as a person would expect."""


def social_sign_in(base_url: str, subject: str) -> httpx.Cookies:
    """``subject`` signs in through the service at ``base_url``; the browser's cookies."""
    with httpx.Client(follow_redirects=False, timeout=30, verify=TLS) as browser:
        to_service = browser.get(f"{base_url}/oauth/{SERVICE}/login", params={"next": LANDING})
        if not to_service.is_redirect:
            raise ActionFailed(f"the sign-in link answered {to_service.status_code}")
        authorize = httpx.URL(to_service.headers["location"]).copy_add_param("login_hint", subject)
        answer = browser.get(authorize)
        if not answer.is_redirect:
            raise ActionFailed(f"the provider answered {answer.status_code}")
        callback = browser.get(answer.headers["location"])
        if not callback.is_redirect:
            raise ActionFailed(f"the callback answered {callback.status_code}")
        landing = urljoin(str(callback.url), callback.headers["location"])
        if urlsplit(landing).path != LANDING or not browser.cookies:
            raise ActionFailed(f"the callback sent the person to {landing}")
        return httpx.Cookies(browser.cookies)


class Browsers:
    """One Chromium and its pages: to be used from one thread only (Playwright's)."""

    def __init__(self, playwright: Playwright, admin_base_url: str) -> None:
        self.browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        self.admin = self.browser.new_context(locale="en-US")
        page = self.admin.new_page()
        sign_in(page, admin_base_url, ADMIN, ADMIN_PASSWORD, next_path="/admin")
        page.wait_for_url(f"{admin_base_url}/admin", timeout=PAGE_MS)
        page.close()
        self.open: deque[BrowserContext] = deque()

    def person(self, cookies: httpx.Cookies) -> BrowserContext:
        """A browser context signed in with a person's cookies."""
        context = self.browser.new_context(locale="en-US")
        context.add_cookies(
            [
                {
                    "name": cookie.name,
                    "value": cookie.value or "",
                    "domain": "127.0.0.1",
                    "path": "/",
                }
                for cookie in cookies.jar
            ]
        )
        return context

    def open_profile(self, base_url: str, cookies: httpx.Cookies) -> None:
        """The person's profile, left open with its live connection."""
        context = self.person(cookies)
        self.open.append(context)
        while len(self.open) > OPEN_PROFILES:
            self.open.popleft().close()
        page = context.new_page()
        self._load(page, f"{base_url}{LANDING}")
        expect(page.get_by_role("heading", name="Profile")).to_be_visible(timeout=PAGE_MS)

    def post(self, base_url: str, cookies: httpx.Cookies, text: str) -> None:
        """``text`` posted on the live feed, shown back in the list; the page closed."""
        context = self.person(cookies)
        try:
            page = context.new_page()
            self._load(page, f"{base_url}/feed")
            page.get_by_label("Your message").fill(text)
            page.get_by_role("button", name="Post", exact=True).click()
            expect(page.get_by_text(text, exact=True)).to_be_visible(timeout=PAGE_MS)
        finally:
            context.close()

    def save_site(self, base_url: str, site_id: str, name: str) -> None:
        """The administrator renames a site on its page and saves."""
        page = self.admin.new_page()
        try:
            self._load(page, f"{base_url}/admin/sites/{site_id}")
            page.get_by_label("Name", exact=True).fill(name)
            page.get_by_role("button", name="Save", exact=True).click()
            expect(page.get_by_text("Site saved.")).to_be_visible(timeout=PAGE_MS)
        finally:
            page.close()

    @staticmethod
    def _load(page: Page, url: str) -> None:
        """Open ``url`` and wait until its live connection has shaken hands."""
        answer = page.goto(url, timeout=PAGE_MS)
        if answer is None or answer.status != 200 or urlsplit(page.url).path != urlsplit(url).path:
            raise ActionFailed(f"{url} answered {answer and answer.status} at {page.url}")
        page.wait_for_function("window.did_handshake === true", timeout=PAGE_MS)

    def close(self) -> None:
        self.browser.close()
