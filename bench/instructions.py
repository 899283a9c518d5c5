"""Processor instructions our server process spends on one returning user's sign-in,
counted by valgrind's callgrind: the same from run to run, where times on this machine
move by 10 to 20 %. bench/RESULTS.md gives the figure of each step that changed it.

The app (``main.py serve`` on the embedded SQLite default) runs under callgrind with
counting off while it starts. The tests' fake OpenID provider runs in a process of its own
(as in bench/signin.py) and the client is this process: neither is counted. After warm-up
sign-ins (the person registers once, caches fill) and once the first housekeeping round
is past, counting is switched on for SIGNINS sign-ins one after another, each from an
empty cookie jar as a new browser, then for IDLE seconds with nobody signing in: the
sign-ins' count, less what the idle app spends in as long, divided by their number.

    python bench/instructions.py [TREE]

TREE: another checkout to measure with this environment's packages, e.g. an earlier
commit unpacked with ``git archive`` (its translations compiled); by default this one.
``make bench-instructions`` runs it. It needs valgrind (3.19 was used).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from signin import (  # noqa: E402
    CLIENT_ID,
    CLIENT_SECRET,
    clean_env,
    start_provider,
    stop,
    through_app,
)

from tests.support.app_server import free_port  # noqa: E402

SIGNINS = int(os.environ.get("BENCH_INSTRUCTION_SIGNINS", "50"))
WARM_UP = 10
#: the app's first housekeeping round comes a minute after its start; counting begins
#: after it, so that it is not taken for part of the sign-ins
QUIET_AFTER_START = 75.0  # seconds
#: the app's timers (the outbox looks for work every 5 s, uvicorn ticks) cost the same
#: per second whether anybody signs in or not: counted this long with nobody signing in,
#: their share of the sign-ins' time is taken off, so that a slower moment of the
#: machine (more seconds for the same sign-ins) does not count as more work
IDLE = 60.0  # seconds
SERVICE = "bench"
CONFIG = f"""
services:
  {SERVICE}:
    provider: oidc
    enabled: true
    settings: {{client_id: {CLIENT_ID}, client_secret: {CLIENT_SECRET}}}
    endpoints: {{issuer: "{{issuer}}"}}
registration:
  allow_self_registration: true
  allow_social_registration: true
"""


def app_command(tree: Path, *args: str) -> list[str]:
    return [sys.executable, str(tree / "main.py"), *args]


def wait_for(url: str, process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """Until ``url`` answers 200: under valgrind the app takes minutes to start."""
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the app exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit(f"{url} did not answer in time")


def callgrind(pid: int, *args: str) -> None:
    subprocess.run(["callgrind_control", *args, str(pid)], check=True, capture_output=True)


def counted_instructions(out_file: Path) -> int:
    """The total of a callgrind dump (its ``summary:`` or ``totals:`` line)."""
    found = re.search(r"^(?:summary|totals): (\d+)", out_file.read_text(), re.MULTILINE)
    if found is None:
        raise SystemExit(f"no totals in {out_file}")
    return int(found.group(1))


def measure(tree: Path, scratch: Path) -> tuple[int, int]:
    """Instructions per sign-in of the app in ``tree``, and the idle app's share that was
    taken off them."""
    env = {
        **clean_env(),
        "SOCIALSERVICES_DATA_DIR": str(scratch / "data"),
        "PYTHONHASHSEED": "0",  # the same dict and set layouts in every run
        "PYTHONDONTWRITEBYTECODE": "1",  # another checkout is only read
    }
    idp, issuer = start_provider()
    started = [idp]
    try:
        config = scratch / "config.yaml"
        config.write_text(CONFIG.replace("{issuer}", issuer))
        for args in (("db", "upgrade"), ("config", "import", str(config))):
            subprocess.run(app_command(tree, *args), env=env, check=True, capture_output=True)
        port = free_port()
        out_prefix = scratch / "callgrind.out"
        app = subprocess.Popen(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out_prefix}",
                *app_command(tree, "serve", "--host", "127.0.0.1", "--port", str(port)),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        started.append(app)
        app_started = time.monotonic()
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz", app)
        sign_in = through_app(
            [f"{base}/oauth/{SERVICE}/login?next=/profile"], f"/oauth/{SERVICE}/callback"
        )
        for _ in range(WARM_UP):
            sign_in()
        time.sleep(max(0.0, app_started + QUIET_AFTER_START - time.monotonic()))
        callgrind(app.pid, "--instr=on")
        began = time.monotonic()
        for _ in range(SIGNINS):
            sign_in()
        callgrind(app.pid, "--dump=signins")
        signing_in = time.monotonic() - began
        time.sleep(IDLE)
        callgrind(app.pid, "--dump=idle")
        idle = time.monotonic() - began - signing_in
        dumps = sorted(scratch.glob("callgrind.out.*"), key=lambda path: int(path.suffix[1:]))
        during, after = (counted_instructions(dump) for dump in dumps)
        background = after / idle * signing_in
        return round((during - background) / SIGNINS), round(background / SIGNINS)
    finally:
        for process in reversed(started):
            stop(process)


def main() -> None:
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("valgrind (with callgrind_control) is needed: apt-get install valgrind")
    tree = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as scratch:
        per_sign_in, background = measure(tree, Path(scratch))
    print(
        f"instructions per returning user's sign-in ({tree}, {SIGNINS} sign-ins counted): "
        f"{per_sign_in / 1e6:.2f} M ({per_sign_in:,}; the idle app's {background:,} taken off)"
    )


if __name__ == "__main__":
    main()
