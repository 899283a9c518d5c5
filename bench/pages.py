"""How soon pages are usable in Chromium, and the server's memory with many pages open.

- **Usable**: from the start of the navigation until NiceGUI's page has finished its
  handshake with the server (``window.did_handshake``: from then on its buttons work).
  ``/profile`` and every page of the administration of ``socialservices serve`` (SQLite
  default, a signed-in administrator): the areas its side navigation lists, plus one user's
  and one site's page, found by following the lists' first links. Each against a bare
  NiceGUI app's page with one label, measured in the same rounds the same way (each round
  the bare page first, then the pages in an order that turns by one each round, so that no
  page always follows the same one). Aim (issues 10 and 23): within 1.5 times the bare page.
- **Where a page's time goes**, in figures the machine's load changes less than the wall
  clock: the server's CPU time from the request until the handshake (mean; the server
  draws the page, then answers the handshake), the time until the HTML's last byte, the
  browser's main-thread script and layout time (Chromium's ``Performance.getMetrics``),
  and counts: the page's elements at the handshake, the scripts and fonts it loaded.
- **Memory**: the resident memory (RSS) of the server process, idle after start and a
  sign-in, then with 200 ``/profile`` pages open at once (each handshaken, so the server
  holds 200 live clients). Aim: under 250 MB in all.

Chromium is Debian's (``/usr/bin/chromium``), with the tests' flags; its renderers are
limited to 8 processes so that 200 tabs fit in the machine's memory (that is Chromium's
memory, not the server's). Run with ``make bench``.

Quicker runs: ``BENCH_PAGE_ROUNDS=5`` (rounds; 15 by default), ``BENCH_OPEN_PAGES=1`` (pages
held open for the memory figure), ``BENCH_PAGES=/profile,/admin/users`` (only these pages,
and the bare one), ``BENCH_PAGE_RESOURCES=1`` (list each page's scripts and fonts).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import BrowserContext, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.app_server import BINARY, free_port  # noqa: E402
from tests.support.chromium import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_PAGE_ROUNDS", "15"))
OPEN_PAGES = int(os.environ.get("BENCH_OPEN_PAGES", "200"))
ONLY = [path for path in os.environ.get("BENCH_PAGES", "").split(",") if path]
LIST_RESOURCES = os.environ.get("BENCH_PAGE_RESOURCES", "") not in ("", "0")
ADMIN, PASSWORD = "root", "a long admin password"
AIM = 1.5
BARE = "bare"
BARE_APP = """
from nicegui import ui

@ui.page('/')
def index():
    ui.label('hello')

ui.run(port={port}, show=False, reload=False, show_welcome_message=False)
"""
#: records when NiceGUI's handshake is done, as NiceGUI sets the flag, and the document's
#: elements at that moment
WATCH_HANDSHAKE = """
Object.defineProperty(window, 'did_handshake', {
  configurable: true,
  get() { return this.__handshake; },
  set(value) {
    this.__handshake = value;
    if (value && window.__usable === undefined) {
      window.__usable = performance.now();
      window.__elements = document.getElementsByTagName('*').length;
    }
  },
});
"""
#: the scripts, style sheets and fonts the page fetched before its handshake
RESOURCES = """
performance.getEntriesByType('resource')
  .filter(e => e.startTime <= window.__usable
          && ['script', 'link', 'css', 'other'].includes(e.initiatorType))
  .map(e => e.name)
"""
#: from the request for the page until its HTML's last byte: the server drawing the page
SERVER_TIME = """
(n => n.responseEnd - n.requestStart)(performance.getEntriesByType('navigation')[0])
"""


@dataclass
class Figures:
    """One page's measurements over the rounds."""

    times: list[float] = field(default_factory=list)
    server: list[float] = field(default_factory=list)
    server_cpu: list[float] = field(default_factory=list)
    script: list[float] = field(default_factory=list)
    layout: list[float] = field(default_factory=list)
    elements: int = 0
    resources: list[str] = field(default_factory=list)


def env_without_settings() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("SOCIALSERVICES_", "NICEGUI_"))
    }


def wait_for(url: str, process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cpu_ms(pid: int) -> float:
    """The process's CPU time so far (user and system), which other processes' load on the
    machine does not lengthen as it does the wall clock."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def measure(context: BrowserContext, url: str, figures: Figures, server_pid: int) -> None:
    """Open ``url`` in a new tab once and add what it took to ``figures``."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    cpu_before = cpu_ms(server_pid)
    page.goto(url)
    page.wait_for_function("window.__usable !== undefined", timeout=30_000)
    figures.server_cpu.append(cpu_ms(server_pid) - cpu_before)
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    figures.times.append(float(page.evaluate("window.__usable")))
    figures.server.append(float(page.evaluate(SERVER_TIME)))
    figures.script.append(metrics["ScriptDuration"] * 1000)
    figures.layout.append((metrics["LayoutDuration"] + metrics["RecalcStyleDuration"]) * 1000)
    figures.elements = int(page.evaluate("window.__elements"))
    figures.resources = [urlsplit(name).path for name in page.evaluate(RESOURCES)]
    cdp.detach()
    page.close()


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login?next=/admin")
    page.get_by_label("Login or e-mail").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{base}/admin")


def first_link_below(page: Page, base: str, path: str) -> str | None:
    """The first link on the list page ``path`` to a page below it (one user, one site)."""
    page.goto(base + path)
    page.wait_for_function("window.__usable !== undefined", timeout=30_000)
    hrefs: list[str] = page.eval_on_selector_all(
        f'main a[href^="{path}/"]', "links => links.map(a => a.getAttribute('href'))"
    )
    return hrefs[0] if hrefs else None


def admin_pages(page: Page, base: str) -> list[str]:
    """Every page of the administration: the side navigation's areas, in its order, and
    the first user's and the first site's own page."""
    page.goto(f"{base}/admin")
    page.wait_for_function("window.__usable !== undefined", timeout=30_000)
    areas: list[str] = page.eval_on_selector_all(
        '.q-drawer nav a[href^="/admin"]', "links => links.map(a => a.getAttribute('href'))"
    )
    paths = list(dict.fromkeys(areas))
    for listing in ("/admin/users", "/admin/sites"):
        below = first_link_below(page, base, listing) if listing in paths else None
        if below is not None:
            paths.insert(paths.index(listing) + 1, below)
    return paths


def main() -> None:
    env = env_without_settings()
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as scratch:
        data_env = {**env, "SOCIALSERVICES_DATA_DIR": str(Path(scratch) / "data")}
        created = subprocess.run(
            [str(BINARY), "user", "create", "--admin", "--login", ADMIN, "--email",
             "root@example.org", "--password-stdin"],
            env=data_env, input=PASSWORD + "\n", text=True, capture_output=True,
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        port, bare_port = free_port(), free_port()
        server = subprocess.Popen(
            [str(BINARY), "serve", "--port", str(port)],
            env=data_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        script = Path(scratch) / "bare.py"
        script.write_text(BARE_APP.format(port=bare_port))
        bare = subprocess.Popen(
            [sys.executable, str(script)], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base, bare_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}/"
        try:
            wait_for(f"{base}/healthz", server)
            wait_for(bare_url, bare)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, "--renderer-process-limit=8"]
                )
                context = browser.new_context()
                context.add_init_script(WATCH_HANDSHAKE)
                page = context.new_page()
                sign_in(page, base)
                paths = ["/profile", *admin_pages(page, base)]
                page.close()
                if ONLY:
                    paths = [path for path in paths if path in ONLY]
                urls = {BARE: bare_url, **{path: base + path for path in paths}}
                figures = {name: Figures() for name in urls}
                pids = {BARE: bare.pid, **{path: server.pid for path in paths}}
                for name, url in urls.items():  # warm-up
                    measure(context, url, Figures(), pids[name])
                for round_ in range(ROUNDS):
                    measure(context, bare_url, figures[BARE], bare.pid)
                    turn = round_ % len(paths)
                    for path in paths[turn:] + paths[:turn]:
                        measure(context, urls[path], figures[path], server.pid)
                time.sleep(1)
                idle = rss_mb(server.pid)
                pages = []
                for _ in range(OPEN_PAGES):
                    opened = context.new_page()
                    opened.goto(f"{base}/profile")
                    opened.wait_for_function("window.__usable !== undefined", timeout=60_000)
                    pages.append(opened)
                time.sleep(1)
                busy = rss_mb(server.pid)
                browser.close()
        finally:
            for process in (server, bare):
                process.terminate()
                process.wait(timeout=15)
    report(figures, idle, busy)


#: the table's columns: heading, width
COLUMNS = (("page", -28), ("usable", 9), ("ratio", 6), ("server cpu", 10), ("html", 7),
           ("script", 7), ("layout", 7), ("elements", 8), ("scripts", 7), ("fonts", 5))  # fmt: skip


def _row(cells: tuple[str, ...]) -> str:
    return "  " + " ".join(
        f"{cell:<{-width}}" if width < 0 else f"{cell:>{width}}"
        for cell, (_, width) in zip(cells, COLUMNS, strict=True)
    )


def report(figures: dict[str, Figures], idle: float, busy: float) -> None:
    baseline = statistics.median(figures[BARE].times)
    bare_resources = set(figures[BARE].resources)
    print(f"time until usable (NiceGUI handshake done), median of {ROUNDS}; bare page = 1.00; "
          f"aim {AIM} (server cpu: mean)")  # fmt: skip
    print(_row(tuple(heading for heading, _ in COLUMNS)))
    worst = 0.0
    for name, page in figures.items():
        median = statistics.median(page.times)
        ratio = median / baseline
        if name != BARE:
            worst = max(worst, ratio)
        print(_row((
            "bare NiceGUI page" if name == BARE else name,
            f"{median:.0f} ms",
            f"{ratio:.2f}" + ("" if ratio <= AIM else "!"),
            f"{statistics.mean(page.server_cpu):.0f} ms",
            f"{statistics.median(page.server):.0f} ms",
            f"{statistics.median(page.script):.0f} ms",
            f"{statistics.median(page.layout):.0f} ms",
            str(page.elements),
            str(sum(1 for path in page.resources if path.endswith((".js", ".mjs")))),
            str(sum(1 for path in page.resources if path.endswith((".woff", ".woff2")))),
        )))  # fmt: skip
        if LIST_RESOURCES and name != BARE:
            for path in page.resources:
                if path not in bare_resources:
                    print(f"      + {path}")
    print(f"  slowest page: ratio {worst:.2f} ({'met' if worst <= AIM else 'not met'}; ! over)")
    print(f"server memory (RSS): idle {idle:.0f} MB; with {OPEN_PAGES} /profile pages open "
          f"{busy:.0f} MB (aim: under 250 MB)")  # fmt: skip


if __name__ == "__main__":
    main()
