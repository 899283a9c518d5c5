"""Start-up time of ``socialservices serve``, as a ratio to a bare NiceGUI app.

Both are measured in this run, on this machine: the time from launching the process to
the first successful HTTP answer. "first start" creates DATA_DIR, the secret key and the
SQLite schema; "warm start" reuses them (what `make run` does on every later start).
Run with `make bench`.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.app_server import BINARY, free_port  # noqa: E402

ROUNDS = 5
BARE_APP = """
from nicegui import ui

@ui.page('/')
def index():
    ui.label('hello')

ui.run(port={port}, show=False, reload=False, show_welcome_message=False)
"""


def _time_until_answer(command: list[str], url: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command} exited with {process.returncode}")
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                time.sleep(0.01)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALSERVICES_")}
    bare, first, warm = [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        for round_number in range(ROUNDS):
            port = free_port()
            script = Path(scratch) / "bare.py"
            script.write_text(BARE_APP.format(port=port))
            bare.append(
                _time_until_answer([sys.executable, str(script)], f"http://127.0.0.1:{port}/", env)
            )

            data_env = {
                **env,
                "SOCIALSERVICES_DATA_DIR": str(Path(scratch) / f"data{round_number}"),
            }
            for results in (first, warm):
                port = free_port()
                command = [str(BINARY), "serve", "--port", str(port)]
                results.append(
                    _time_until_answer(command, f"http://127.0.0.1:{port}/login", data_env)
                )

    baseline = statistics.median(bare)
    print(f"start-up to first answer, median of {ROUNDS} (bare NiceGUI app = 1.00)")
    for name, values in (
        ("bare NiceGUI app", bare),
        ("socialservices, first start", first),
        ("socialservices, warm start", warm),
    ):
        median = statistics.median(values)
        print(f"  {name:30s} {median * 1000:7.0f} ms   ratio {median / baseline:5.2f}")


if __name__ == "__main__":
    main()
