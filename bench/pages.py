"""How soon pages are usable in Chromium, and the server's memory with many pages open.

- **Usable**: from the start of the navigation until NiceGUI's page has finished its
  handshake with the server (``window.did_handshake``: from then on its buttons work).
  ``/profile`` and ``/admin`` of ``socialservices serve`` (SQLite default, a signed-in
  administrator) against a bare NiceGUI app's page with one label, measured in this run
  the same way. Aim (issue 10): within 1.5 times the bare page.
- **Memory**: the resident memory (RSS) of the server process, idle after start and a
  sign-in, then with 200 ``/profile`` pages open at once (each handshaken, so the server
  holds 200 live clients). Aim: under 250 MB in all.

Chromium is Debian's (``/usr/bin/chromium``), with the tests' flags; its renderers are
limited to 8 processes so that 200 tabs fit in the machine's memory (that is Chromium's
memory, not the server's). Run with ``make bench``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import BrowserContext, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.app_server import BINARY, free_port  # noqa: E402
from tests.support.chromium import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_PAGE_ROUNDS", "15"))
OPEN_PAGES = int(os.environ.get("BENCH_OPEN_PAGES", "200"))
ADMIN, PASSWORD = "root", "a long admin password"
BARE_APP = """
from nicegui import ui

@ui.page('/')
def index():
    ui.label('hello')

ui.run(port={port}, show=False, reload=False, show_welcome_message=False)
"""
#: records when NiceGUI's handshake is done, as NiceGUI sets the flag
WATCH_HANDSHAKE = """
Object.defineProperty(window, 'did_handshake', {
  configurable: true,
  get() { return this.__handshake; },
  set(value) {
    this.__handshake = value;
    if (value && window.__usable === undefined) window.__usable = performance.now();
  },
});
"""


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


def usable_ms(context: BrowserContext, url: str) -> float:
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("window.__usable !== undefined", timeout=30_000)
    value = float(page.evaluate("window.__usable"))
    page.close()
    return value


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
                page.goto(f"{base}/login?next=/admin")
                page.get_by_label("Login or e-mail").fill(ADMIN)
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Sign in", exact=True).click()
                page.wait_for_url(f"{base}/admin")
                page.close()
                for url in (bare_url, f"{base}/profile", f"{base}/admin"):  # warm-up
                    usable_ms(context, url)
                times: dict[str, list[float]] = {"bare": [], "profile": [], "admin": []}
                for _ in range(ROUNDS):
                    times["bare"].append(usable_ms(context, bare_url))
                    times["profile"].append(usable_ms(context, f"{base}/profile"))
                    times["admin"].append(usable_ms(context, f"{base}/admin"))
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
    baseline = statistics.median(times["bare"])
    print(f"time until usable (NiceGUI handshake done), median of {ROUNDS}; bare page = 1.00")
    for name, label in (("bare", "bare NiceGUI page, one label"), ("profile", "/profile"),
                        ("admin", "/admin (overview)")):  # fmt: skip
        median = statistics.median(times[name])
        print(f"  {label:30s} {median:7.1f} ms   ratio {median / baseline:5.2f}  (aim: 1.5)")
    print(f"server memory (RSS): idle {idle:.0f} MB; with {OPEN_PAGES} /profile pages open "
          f"{busy:.0f} MB (aim: under 250 MB)")  # fmt: skip


if __name__ == "__main__":
    main()
