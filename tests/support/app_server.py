"""The real application as a subprocess on a free port with its own DATA_DIR."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BINARY = Path(sys.executable).parent / "socialservices"
SETUP_LINK = re.compile(r"(http://\S+/setup\?token=\S+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class AppServer:
    data_dir: Path
    port: int
    env: dict[str, str]
    host: str = "127.0.0.1"
    #: the ``socialservices`` executable: the installed script, or the single binary
    binary: Path = BINARY
    process: subprocess.Popen[str] | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.data_dir.parent / f"server-{self.port}.log"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def output(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def start(self, timeout: float = 30) -> AppServer:
        log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [str(self.binary), "serve", "--host", self.host, "--port", str(self.port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited with {self.process.returncode}:\n{self.output}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200 and (
                    "socialservices is running" in self.output
                ):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the app did not answer within {timeout} s:\n{self.output}")

    def setup_link(self) -> str:
        match = SETUP_LINK.search(self.output)
        assert match, f"no setup link was printed:\n{self.output}"
        return match.group(1)

    def cli(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        """Run a ``socialservices`` command against this installation."""
        return subprocess.run(
            [str(self.binary), *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def make_app_server(tmp_path: Path, *, binary: Path = BINARY, **settings: str) -> AppServer:
    """An app (not started) whose SOCIALSERVICES_ settings are exactly ``settings``."""
    # Without pytest's and NiceGUI's test variables, or NiceGUI would think it is under test.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SOCIALSERVICES_", "PYTEST_", "NICEGUI_"))
    }
    data_dir = tmp_path / "app-data"
    env["SOCIALSERVICES_DATA_DIR"] = str(data_dir)
    env.update({f"SOCIALSERVICES_{key.upper()}": value for key, value in settings.items()})
    return AppServer(data_dir=data_dir, port=free_port(), env=env, binary=binary)
