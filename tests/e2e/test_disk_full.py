"""The disk under the SQLite data directory fills up, for real: the data directory is a
small tmpfs the test mounts and then fills. Writes are refused with our readable page,
the database is not damaged, and once space is freed everything works again in the same
process."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.app_server import AppServer, make_app_server
from tests.support.fakes.openid import FakeOpenIDProvider
from tests.support.outage_visits import configured, idp, sign_in, signed_in

__all__ = ["idp"]  # a fixture

#: room for the app's files with some to spare; the test fills the rest
DISK = "16m"
#: sign-ins begun once the disk is full before one must have been refused (each stores
#: its round trip; SQLite's log takes some of them in room it already has)
ATTEMPTS = 400


@pytest.fixture
def on_small_disk(tmp_path: Path, idp: FakeOpenIDProvider) -> Iterator[AppServer]:
    app = make_app_server(tmp_path)
    app.data_dir.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK},mode=0700", "tmpfs", str(app.data_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:  # a machine where the tests may not mount (not root)
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.strip()}")
    try:
        app.start()
        yield configured(app, idp)
    finally:
        app.stop()
        subprocess.run(["umount", "-l", str(app.data_dir)], check=False)


def fill(directory: Path) -> Path:
    """Write a file until the disk has no room left."""
    filler = directory / "filler"
    block = b"\0" * 65536
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(block)
        except OSError as error:
            assert error.errno == errno.ENOSPC
        try:  # the last few bytes a whole block did not fit in
            while True:
                out.write(b"\0" * 512)
        except OSError:
            pass
    return filler


def integrity(database: Path) -> str:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def test_a_full_disk_refuses_writes_readably_and_recovers(on_small_disk: AppServer) -> None:
    app = on_small_disk
    database = app.data_dir / "socialservices.db"
    with (
        httpx.Client(base_url=app.base_url) as person,
        httpx.Client(base_url=app.base_url) as newcomer,
    ):
        sign_in(person)
        filler = fill(app.data_dir)
        assert os.statvfs(app.data_dir).f_bavail == 0

        refused = None
        for _attempt in range(ATTEMPTS):
            answer = newcomer.get("/oauth/staff/login")
            assert answer.status_code in (303, 503), answer.text[:300]
            if answer.status_code == 503:
                refused = answer
                break
        assert refused is not None, f"{ATTEMPTS} sign-ins were stored on a full disk"
        assert "no room left to store data" in refused.text
        assert "was not saved" in refused.text
        for leak in ("sqlite3", "OperationalError", "disk is full", "Traceback"):
            assert leak not in refused.text
        assert "database.full" in app.output
        assert integrity(database) == "ok"

        filler.unlink()
        assert integrity(database) == "ok"
        sign_in(newcomer)  # the same process stores again
        assert signed_in(person)
