"""A PostgreSQL cluster of a test's own, which the test may stop and start again.

The machine's shared server (127.0.0.1:5432) serves every other test, so an outage is
played on a cluster made for the test with Debian's ``initdb`` and ``pg_ctl``. PostgreSQL
refuses to run as root: as root the cluster belongs to the ``postgres`` account, in a
directory of its own under the system's temporary directory (pytest's ``tmp_path`` is
root's alone).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.app_server import free_port


def _program(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name)]
    if not found[-1]:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (Debian: postgresql)")
    return str(found[-1])


@dataclass
class PrivatePostgres:
    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str, must: bool = True) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run(
            [*prefix, *command], capture_output=True, text=True, timeout=120, check=False
        )
        if must:
            assert result.returncode == 0, f"{command[0]}:\n{result.stdout}{result.stderr}"

    def create(self) -> PrivatePostgres:
        self._run(
            _program("initdb"), "-D", str(self.directory / "data"), "-U", "postgres",
            "-A", "trust", "--no-sync", "-E", "UTF8",
        )  # fmt: skip
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            _program("pg_ctl"), "-D", str(self.directory / "data"), "-o", options,
            "-l", str(self.directory / "server.log"), "-w", "start",
        )  # fmt: skip

    def stop(self, *, must: bool = True) -> None:
        """As an operator's ``systemctl stop``: sessions are ended, connections refused."""
        data = str(self.directory / "data")
        self._run(_program("pg_ctl"), "-D", data, "-m", "fast", "-w", "stop", must=must)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    directory = Path(tempfile.mkdtemp(prefix="socialservices-pg-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(directory, account.pw_uid, account.pw_gid)
    cluster = PrivatePostgres(directory, free_port()).create()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop(must=False)  # a test may have left it stopped
        shutil.rmtree(directory, ignore_errors=True)
