"""Start-up time of ``socialservices serve``, as a ratio to a bare NiceGUI app.

All are measured in this run, on this machine: the time from launching the process to
the first successful HTTP answer. "first start" creates DATA_DIR, the secret key and the
SQLite schema; "warm start" reuses them (what `make run` does on every later start). The
single binary (``make binary``, dist/socialservices) is measured the same way when it has
been built, and its size printed. Run with `make bench`.
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

from tests.support.app_server import BINARY, free_port  # noqa: E402

SINGLE_BINARY = ROOT / "dist" / "socialservices"

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


def _starts(executable: Path, data_dir: Path, env: dict[str, str]) -> tuple[float, float]:
    """A first and a warm start of ``executable serve`` on ``data_dir``."""
    data_env = {**env, "SOCIALSERVICES_DATA_DIR": str(data_dir)}
    times = []
    for _ in range(2):
        port = free_port()
        command = [str(executable), "serve", "--port", str(port)]
        times.append(_time_until_answer(command, f"http://127.0.0.1:{port}/login", data_env))
    return times[0], times[1]


def main() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALSERVICES_")}
    bare: list[float] = []
    first: list[float] = []
    warm: list[float] = []
    binary_first: list[float] = []
    binary_warm: list[float] = []
    with tempfile.TemporaryDirectory() as scratch:
        for round_number in range(ROUNDS):
            port = free_port()
            script = Path(scratch) / "bare.py"
            script.write_text(BARE_APP.format(port=port))
            bare.append(
                _time_until_answer([sys.executable, str(script)], f"http://127.0.0.1:{port}/", env)
            )

            cold, hot = _starts(BINARY, Path(scratch) / f"data{round_number}", env)
            first.append(cold)
            warm.append(hot)
            if SINGLE_BINARY.is_file():
                cold, hot = _starts(SINGLE_BINARY, Path(scratch) / f"bin{round_number}", env)
                binary_first.append(cold)
                binary_warm.append(hot)

    baseline = statistics.median(bare)
    print(f"start-up to first answer, median of {ROUNDS} (bare NiceGUI app = 1.00)")
    rows = [
        ("bare NiceGUI app", bare),
        ("socialservices, first start", first),
        ("socialservices, warm start", warm),
        ("single binary, first start", binary_first),
        ("single binary, warm start", binary_warm),
    ]
    for name, values in rows:
        if not values:
            continue
        median = statistics.median(values)
        print(f"  {name:30s} {median * 1000:7.0f} ms   ratio {median / baseline:5.2f}")
    if SINGLE_BINARY.is_file():
        size = SINGLE_BINARY.stat().st_size
        print(f"single binary {SINGLE_BINARY.relative_to(ROOT)}: {size / 2**20:.1f} MiB")
    else:
        print("no single binary measured: `make binary` builds dist/socialservices")


if __name__ == "__main__":
    main()
