"""Every page passes axe-core with no serious or critical violation: signed in as an
administrator, as a plain user, and anonymous; 1440 and 390 pixels wide; in English and Russian.

One app (the documented example configuration: two sites, services, applications,
registration open, mail configured) and one browser serve the whole file; each visitor has
one signed-in browser context per language, and each test checks one page for one visitor at
both widths in both languages, so a failure names every place a rule fails at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.support.app_server import AppServer, make_app_server
from tests.support.axe import report, serious_violations
from tests.support.smtp_server import SmtpServer

PASSWORD = "a long enough password"
ADMIN, USER, ANONYMOUS = "administrator", "user", "anonymous"
LOGINS = {ADMIN: "root", USER: "plain"}
LANGUAGES = {"en": "en-US", "ru": "ru-RU"}
VIEWPORTS: tuple[ViewportSize, ...] = (
    {"width": 1440, "height": 900},
    {"width": 390, "height": 844},
)
# every animation that ends has ended (a spinner turns for ever), and Quasar's loading bar is
# gone: NiceGUI shows it during any XMLHttpRequest, such as axe's own reading of the style
# sheets, and while it shows it is a progressbar without a name that no page draws
SETTLED = """() => document.getAnimations().every(
        (a) => a.playState !== "running" || a.effect.getTiming().iterations === Infinity)
    && !document.querySelector(".q-loading-bar[role=progressbar]")"""
EXAMPLE_CONFIGURATION = re.search(
    r"```yaml\n(.*?)```", (Path(__file__).parents[2] / "docs" / "config.md").read_text(), re.S
).group(1)  # type: ignore[union-attr]
#: axe rules not run, each with why no page can fix it (none so far)
SKIPPED_RULES: dict[str, str] = {}


def open_first_service(page: Page) -> None:
    """The first service's settings opened from its row: its last button, in either
    language (the arrows come first)."""
    page.locator("[data-testid^='service-']").first.get_by_role("button").last.click()
    expect(page.locator("form[action$='/try']").first).to_be_visible()


@dataclass(frozen=True)
class Check:
    """A page a visitor opens, and what they do there before it is checked."""

    path: str
    visitor: str
    then: Callable[[Page], None] | None = None

    @property
    def name(self) -> str:
        action = f"+{self.then.__name__}" if self.then else ""
        return f"{self.visitor}:{self.path}{action}"


ADMIN_PAGES = (
    "/admin",
    "/admin/services",
    "/admin/services/tried",
    "/admin/sites",
    "/admin/sites/s1",
    "/admin/registration",
    "/admin/users",
    "/admin/users/1",
    "/admin/activity",
    "/admin/mail",
    "/admin/encryption",
    "/admin/audit",
)
SIGNED_IN_PAGES = ("/profile", "/feed")
ANONYMOUS_PAGES = (
    "/login",
    "/register",
    "/register/sent",
    "/password/forgot",
    "/password/reset?token=unknown",
    "/signin/problem?reason=state_invalid",
    "/no-such-page",
    # with an administrator there and no sign-in waiting, the pages that say so
    "/setup?token=used",
    "/link/existing?ticket=gone",
    "/signup/email?ticket=gone",
)
CHECKS = (
    *(Check(path, ADMIN) for path in ADMIN_PAGES),
    Check("/admin/services", ADMIN, open_first_service),
    *(Check(path, visitor) for visitor in (ADMIN, USER) for path in SIGNED_IN_PAGES),
    Check("/admin", USER),  # the page telling a user it is for administrators
    *(Check(path, ANONYMOUS) for path in ANONYMOUS_PAGES),
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    scratch = tmp_path_factory.mktemp("accessibility")
    smtp = SmtpServer().start()
    server = make_app_server(
        scratch, smtp_url=smtp.url, mail_from="Social services <noreply@example.org>"
    ).start()
    example = scratch / "config.yaml"
    example.write_text(EXAMPLE_CONFIGURATION)
    commands = [(("config", "import", str(example)), "")] + [
        (
            ("user", "create", "--login", login, "--email", f"{login}@example.org",
             *(["--admin"] if visitor == ADMIN else []), "--password-stdin"),
            PASSWORD + "\n",
        )
        for visitor, login in LOGINS.items()
    ]  # fmt: skip
    with ThreadPoolExecutor() as pool:  # each command starts a Python: side by side
        done = list(pool.map(lambda command: server.cli(*command[0], stdin=command[1]), commands))
    assert all(result.returncode == 0 for result in done), [result.stderr for result in done]
    yield server
    server.stop()
    smtp.stop()


@pytest.fixture(scope="module")
def tabs(browser: Browser, app: AppServer) -> Iterator[Callable[[str, str], Page]]:
    """The one tab of each (visitor, language), signed in when first asked for."""
    contexts: dict[tuple[str, str], BrowserContext] = {}
    pages: dict[tuple[str, str], Page] = {}

    def tab(visitor: str, language: str) -> Page:
        key = (visitor, language)
        if key not in pages:
            contexts[key] = browser.new_context(locale=LANGUAGES[language])
            pages[key] = page = contexts[key].new_page()
            if visitor in LOGINS:
                page.goto(f"{app.base_url}/login?next=/profile")
                page.locator("input[name=login]").fill(LOGINS[visitor])
                page.locator("input[name=password]").fill(PASSWORD)
                page.keyboard.press("Enter")
                page.wait_for_url(f"{app.base_url}/profile")
        return pages[key]

    yield tab
    for context in contexts.values():
        context.close()


def settled(page: Page) -> None:
    """Wait until nothing moves: a drawer or a panel half-way is not what a person reads."""
    page.wait_for_function(SETTLED)


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.name)
def test_page_has_no_serious_accessibility_violation(
    check: Check, tabs: Callable[[str, str], Page], app: AppServer
) -> None:
    failures = []
    for language in LANGUAGES:
        page = tabs(check.visitor, language)
        page.set_viewport_size(VIEWPORTS[0])
        page.goto(app.base_url + check.path)
        expect(page.get_by_role("heading", level=1).first).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", language)  # read in it, too
        page.wait_for_load_state("networkidle")
        if check.then:
            check.then(page)
        for viewport in VIEWPORTS:  # the wide page narrowed, as Quasar's layout follows it
            page.set_viewport_size(viewport)
            settled(page)
            if found := serious_violations(page, skip_rules=tuple(SKIPPED_RULES)):
                where = f"{check.name} at {viewport['width']} px in {language}"
                failures.append(f"--- {where}:\n{report(found)}")
    assert not failures, "\n".join(failures)
