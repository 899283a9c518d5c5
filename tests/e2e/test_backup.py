"""``socialservices backup create`` while people sign in, ``backup restore`` into a new
data directory with the keys, and a returning person signs in there; the tokens stored
before the backup decrypt with the old installation's keys, and with nothing else.

Made from the embedded SQLite and from PostgreSQL (through the app's own connection);
restored into a new SQLite data directory either way, which is also how an installation
moves between the two.
"""

from __future__ import annotations

import shutil
import sqlite3
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from models.encryption import token_place
from models.token_cipher import Keyring, decode_key, is_encrypted
from tests.support.app_server import AppServer, make_app_server
from tests.support.fakes.openid import FakeOpenIDProvider
from tests.support.outage_visits import PERSON, configured, idp, sign_in
from tests.support.postgres_database import postgres_database

__all__ = ["idp", "postgres_database"]  # fixtures


@pytest.fixture(params=["sqlite", "postgresql"])
def source(
    request: pytest.FixtureRequest, tmp_path: Path, idp: FakeOpenIDProvider
) -> Iterator[AppServer]:
    settings = {}
    if request.param == "postgresql":
        settings["database_url"] = request.getfixturevalue("postgres_database")
    (tmp_path / "old").mkdir()
    app = make_app_server(tmp_path / "old", **settings).start()
    yield configured(app, idp)
    app.stop()


def keyring_of(data_dir: Path) -> Keyring:
    text = (data_dir / "encryption.keys").read_text()
    return Keyring([decode_key(line) for line in text.split()])


def stored_access_token(database: Path, keyring: Keyring) -> str:
    with sqlite3.connect(database) as connection:
        service_id, external_id, sealed = connection.execute(
            "SELECT service_id, external_id, access_token FROM linked_accounts"
        ).fetchone()
    assert is_encrypted(sealed), "stored in plain text"
    return keyring.decrypt(sealed, token_place("access_token", service_id, external_id))


def test_a_backup_taken_under_load_restores_into_a_new_installation(
    source: AppServer, idp: FakeOpenIDProvider, tmp_path: Path
) -> None:
    with httpx.Client(base_url=source.base_url) as person:
        sign_in(person)
    issued = set(idp.tokens)

    stop, signed_in, failures = threading.Event(), [0], []

    def load() -> None:
        while not stop.is_set():
            try:
                with httpx.Client(base_url=source.base_url) as someone:
                    sign_in(someone)
                signed_in[0] += 1
            except Exception as error:
                failures.append(repr(error))

    backup = tmp_path / "socialservices.backup"
    loader = threading.Thread(target=load)
    loader.start()
    try:
        while signed_in[0] < 3:
            stop.wait(0.1)
        made = source.cli("backup", "create", "-o", str(backup))
        during = signed_in[0]
        while signed_in[0] < during + 3:  # the app went on serving while it was made
            stop.wait(0.1)
    finally:
        stop.set()
        loader.join()
    assert made.returncode == 0, made.stderr
    assert not failures, failures
    assert f"Backup written to {backup}" in made.stdout
    assert "It does not hold the encryption keys" in made.stdout
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600  # it holds password hashes
    again = source.cli("backup", "create", "-o", str(backup))
    assert again.returncode == 1 and "exists already" in again.stderr

    (tmp_path / "new").mkdir()
    restored = make_app_server(tmp_path / "new")
    restored.data_dir.mkdir()
    without_keys = restored.cli("backup", "restore", str(backup))
    assert without_keys.returncode == 1
    assert "encryption.keys is missing" in without_keys.stderr
    assert not (restored.data_dir / "socialservices.db").exists()  # nothing half-done

    # the keys, backed up apart (on PostgreSQL too, the key file is in the data directory)
    shutil.copy(source.data_dir / "encryption.keys", restored.data_dir / "encryption.keys")
    done = restored.cli("backup", "restore", str(backup))
    assert done.returncode == 0, done.stderr
    assert "Restored" in done.stdout
    refused = restored.cli("backup", "restore", str(backup))
    assert refused.returncode == 1 and "not empty" in refused.stderr

    database = restored.data_dir / "socialservices.db"
    assert stored_access_token(database, keyring_of(restored.data_dir)) in issued | set(idp.tokens)
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        (emails,) = connection.execute(
            "SELECT count(*) FROM users WHERE email = ?", (PERSON["email"],)
        ).fetchone()
    assert emails == 1  # the returning person, once

    restored.start()
    try:
        with httpx.Client(base_url=restored.base_url) as person:
            sign_in(person)  # a returning sign-in: the link from the backup is found
        with sqlite3.connect(database) as connection:
            (people,) = connection.execute("SELECT count(*) FROM users").fetchone()
        assert people == 1
    finally:
        restored.stop()
