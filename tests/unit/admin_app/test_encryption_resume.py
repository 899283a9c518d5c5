"""Enabling encryption survives being killed: a real `socialservices encryption enable`
is killed with SIGKILL twice in the middle of its work, then finished; every token is
then encrypted exactly once and opens to what was stored."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from admin_app.core.encryption_keys import KEY_FILE
from models.encryption import token_place
from models.token_cipher import PREFIX, Keyring, decode_key
from tests.support.command_line import BINARY

LINKS = 40_000


def database(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(data_dir / "socialservices.db", timeout=30)


def cursor_of(data_dir: Path) -> int:
    with database(data_dir) as connection:
        return connection.execute("SELECT pass_cursor FROM encryption_state").fetchone()[0]


def start_enabling() -> subprocess.Popen[str]:
    return subprocess.Popen(
        [BINARY, "encryption", "enable"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


def kill_when_past(process: subprocess.Popen[str], data_dir: Path, cursor: int) -> int:
    """SIGKILL the process once its pass has moved beyond ``cursor``; where it got to."""
    deadline = time.monotonic() + 60
    while cursor_of(data_dir) <= cursor:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the pass does not advance"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    return cursor_of(data_dir)


def test_enabling_resumes_after_sigkill(isolated_settings: Path) -> None:
    data_dir = isolated_settings
    upgrade = subprocess.run(
        [BINARY, "db", "upgrade", "--no-token-encryption"], capture_output=True, text=True
    )
    assert upgrade.returncode == 0, upgrade.stderr
    with database(data_dir) as connection:
        connection.execute(
            "INSERT INTO users (login, login_lower, first_name, last_name, first_name_lower,"
            " last_name_lower, is_active, created_at, version)"
            " VALUES ('owner', 'owner', '', '', '', '', 1, '2026-01-01 00:00:00', 1)"
        )
        connection.executemany(
            "INSERT INTO linked_accounts (user_id, service_id, provider, external_id, site_id,"
            " login_hint, first_name, last_name, email_verified, raw_profile, access_token,"
            " refresh_token, scopes, created_at, publish_activity, issuer)"
            " VALUES (1, 'google', 'google', ?, 's1', '', '', '', 0, '{}', ?, ?, '',"
            " '2026-01-01 00:00:00', 0, 'https://accounts.google.com')",
            [(str(n), f"access-{n}", f"refresh-{n}" if n % 3 else None) for n in range(LINKS)],
        )
    first = kill_when_past(start_enabling(), data_dir, 0)
    assert 0 < first < LINKS, "killed before or after the work: make LINKS larger"
    second = kill_when_past(start_enabling(), data_dir, first)
    assert first < second < LINKS
    finished = subprocess.run([BINARY, "encryption", "resume"], capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert "Every stored token and secret is encrypted." in finished.stdout

    keyring = Keyring([decode_key(line) for line in (data_dir / KEY_FILE).read_text().split()])
    with database(data_dir) as connection:
        rows = connection.execute(
            "SELECT external_id, access_token, refresh_token FROM linked_accounts"
        ).fetchall()
    assert len(rows) == LINKS
    for external_id, access, refresh in rows:
        assert access.startswith(PREFIX) and "access-" not in access
        # decrypting once gives the token back: it was encrypted once, not twice
        opened = keyring.decrypt(access, token_place("access_token", "google", external_id))
        assert opened == f"access-{external_id}"
        if int(external_id) % 3:
            assert (
                keyring.decrypt(refresh, token_place("refresh_token", "google", external_id))
                == f"refresh-{external_id}"
            )
        else:
            assert refresh is None
    status = subprocess.run([BINARY, "encryption", "status"], capture_output=True, text=True)
    assert "not encrypted" not in status.stdout
    assert f"key {keyring.active_id}: {LINKS + LINKS - LINKS // 3 - 1}" in status.stdout
