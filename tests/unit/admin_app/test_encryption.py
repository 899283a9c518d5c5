"""Encryption as operators and administrators meet it: the keys at start, the commands,
the admin page, and the services' secrets stored sealed."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import pytest
from nicegui.testing import User
from sqlalchemy import text

from admin_app.core import encryption_keys, runtime, startup
from admin_app.core.settings import SettingsError, load_settings
from admin_app.services.catalogue import site_services
from admin_app.services.config_file import export_configuration, import_configuration
from admin_app.web.server import _announce
from models.db import session_scope
from models.token_cipher import PREFIX, encode_key, new_key
from tests.support.accounts import RETRIES, add_user, sign_in
from tests.support.command_line import cli

SECRET = "GOCSPX-the-client-secret"
GOOGLE = f"""
services:
  google:
    enabled: true
    settings:
      client_id: 1234.apps.googleusercontent.com
      client_secret: {SECRET}
"""


def stored_secret() -> str:
    with session_scope() as session:
        value = session.connection().execute(text("SELECT secrets FROM service_configs")).scalar()
    return str(value)


# -------------------------------------------------------------------------- keys


def test_the_first_start_makes_a_private_key_file(isolated_settings: Path) -> None:
    startup.prepare(load_settings())
    key_file = isolated_settings / encryption_keys.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = runtime.keyring().active_id
    startup.prepare(load_settings())  # the next start reads it
    assert runtime.keyring().active_id == first
    assert key_file.read_text().count("\n") == 1


def test_a_lost_key_file_stops_the_start_and_nothing_is_replaced(isolated_settings: Path) -> None:
    startup.prepare(load_settings())
    import_configuration(GOOGLE)  # something encrypted with the key
    key_file = isolated_settings / encryption_keys.KEY_FILE
    key_file.unlink()
    with pytest.raises(SettingsError) as error:
        startup.prepare(load_settings())
    assert error.value.setting == "encryption_keys"
    assert str(key_file) in str(error.value)
    assert not key_file.exists()  # no new key in place of the lost one


def test_a_wrong_key_in_the_setting_is_named(
    isolated_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    startup.prepare(load_settings())
    import_configuration(GOOGLE)  # a secret encrypted with the key: it is needed now
    needed = runtime.keyring().active_id
    monkeypatch.setenv("SOCIALSERVICES_ENCRYPTION_KEYS", encode_key(new_key()))
    with pytest.raises(SettingsError) as error:
        startup.prepare(load_settings())
    message = str(error.value)
    assert message.startswith("SOCIALSERVICES_ENCRYPTION_KEYS:") and needed in message
    monkeypatch.setenv("SOCIALSERVICES_ENCRYPTION_KEYS", "not-a-key")
    with pytest.raises(SettingsError) as error:
        startup.prepare(load_settings())
    assert "key 1 in SOCIALSERVICES_ENCRYPTION_KEYS is not a base64url 256-bit key" in str(
        error.value
    )


# ---------------------------------------------------------------------- secrets


def test_service_secrets_are_stored_sealed_and_read_back(isolated_settings: Path) -> None:
    startup.prepare(load_settings())
    import_configuration(GOOGLE)
    raw = json.loads(stored_secret())["client_secret"]
    assert SECRET not in raw and raw.startswith(PREFIX)
    assert f"client_secret: {SECRET}" in export_configuration(with_secrets=True)
    import_configuration(export_configuration(with_secrets=False))  # kept, still sealed
    assert SECRET not in stored_secret()
    assert f"client_secret: {SECRET}" in export_configuration(with_secrets=True)


# ---------------------------------------------------------------------- commands


def test_a_plain_database_is_encrypted_by_the_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = cli(capsys, monkeypatch, "db", "upgrade", "--no-token-encryption")
    assert code == 0, out
    import_configuration(GOOGLE)
    assert SECRET in stored_secret()
    code, out, _ = cli(capsys, monkeypatch, "encryption", "status")
    assert "Token encryption: off" in out and "not encrypted: 1" in out
    code, out, err = cli(capsys, monkeypatch, "encryption", "enable")
    assert code == 0, err
    assert "Token encryption is on, for good." in out
    assert SECRET not in stored_secret()
    code, out, _ = cli(capsys, monkeypatch, "encryption", "status")
    key = runtime.keyring().active_id
    assert "Token encryption: on" in out and f"key {key}: 1" in out
    assert "not encrypted" not in out
    # the flag cannot switch off a database that exists
    code, _, err = cli(capsys, monkeypatch, "db", "upgrade", "--no-token-encryption")
    assert code == 1 and "stays on" in err


def test_rotate_key_moves_everything_to_a_new_key(
    isolated_settings: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    startup.prepare(load_settings())
    import_configuration(GOOGLE)
    old = runtime.keyring().active_id
    code, out, err = cli(capsys, monkeypatch, "encryption", "rotate-key")
    assert code == 0, err
    new = runtime.keyring().active_id
    assert new != old
    assert f"Key {old} is no longer used by anything stored: it may be removed." in out
    assert json.loads(stored_secret())["client_secret"].startswith(f"{PREFIX}{new}:")
    keys = (isolated_settings / encryption_keys.KEY_FILE).read_text().split()
    assert len(keys) == 2
    code, out, _ = cli(capsys, monkeypatch, "encryption", "status")
    assert f"Active key: {new}" in out and f"key {new}: 1" in out and f"key {old}" not in out


# -------------------------------------------------------------------------- page


async def test_the_page_enables_encryption_after_a_warning(user: User) -> None:
    startup.prepare(load_settings())
    with session_scope() as session:  # as if created with --no-token-encryption
        session.connection().execute(
            text("UPDATE encryption_state SET enabled = false, key_ids = '[]', pass_key_id = ''")
        )
    import_configuration(GOOGLE)
    assert SECRET in stored_secret()
    add_user("root", admin=True)
    await sign_in(user, "root", path="/login?next=/admin/encryption")
    await user.should_see("Token encryption is off", retries=RETRIES)
    await user.open("/admin/encryption")
    user.find(marker="enable-encryption").click()
    await user.should_see("This is irreversible", retries=RETRIES)
    user.find(marker="confirm-enable").click()
    await user.should_see("Token encryption is active", retries=RETRIES)
    for _ in range(RETRIES):  # the pass runs in the background meanwhile
        if SECRET not in stored_secret():
            break
        await asyncio.sleep(0.05)
    assert SECRET not in stored_secret()
    await user.open("/admin/encryption")
    await user.should_see(f"key {runtime.keyring().active_id} (active)", retries=RETRIES)
    await user.should_not_see(marker="enable-encryption")
    await user.should_see("socialservices encryption rotate-key")  # as code, in no backticks
    await user.should_not_see("`")


async def test_the_page_is_for_administrators_only(user: User) -> None:
    add_user("alice")
    await sign_in(user, "alice")
    await user.should_see("Login: alice", retries=RETRIES)
    response = await user.http_client.get("/admin/encryption")
    assert response.status_code == 403


def test_a_secret_that_cannot_be_decrypted_makes_the_service_incomplete(
    isolated_settings: Path,
) -> None:
    startup.prepare(load_settings())
    import_configuration(GOOGLE)
    assert [s.service_id for s in site_services("s1", offered_only=True)] == ["google"]
    with session_scope() as session:  # a ciphertext made for another place
        foreign = runtime.keyring().encrypt(SECRET, "service_configs.secrets.client_secret:s2:x")
        session.connection().execute(
            text("UPDATE service_configs SET secrets = :value"),
            {"value": json.dumps({"client_secret": foreign})},
        )
    assert site_services("s1", offered_only=True) == []  # logged, not a crash
    assert "client_secret" not in export_configuration(with_secrets=True)
    import_configuration(GOOGLE)  # the administrator enters it again
    assert [s.service_id for s in site_services("s1", offered_only=True)] == ["google"]


def test_rotate_key_keep_key_adds_none(
    isolated_settings: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    startup.prepare(load_settings())
    import_configuration(GOOGLE)
    key = runtime.keyring().active_id
    code, out, err = cli(capsys, monkeypatch, "encryption", "rotate-key", "--keep-key")
    assert code == 0, err
    assert f"Everything stored is encrypted with key {key}." in out
    assert len((isolated_settings / encryption_keys.KEY_FILE).read_text().split()) == 1


def test_the_first_start_says_where_the_key_is(
    isolated_settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings()
    startup.prepare(settings)
    _announce(settings)
    out = capsys.readouterr().out
    assert f"key in {isolated_settings / encryption_keys.KEY_FILE}: back it up" in out


def test_commands_that_write_nothing_need_no_key(
    isolated_settings: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A `db upgrade` with a throw-away DATA_DIR (a deployment job) ties the database to no
    key: the app's own key file works afterwards."""
    code, _, err = cli(capsys, monkeypatch, "db", "upgrade")
    assert code == 0, err
    (isolated_settings / encryption_keys.KEY_FILE).unlink()
    startup.prepare(load_settings())  # a new key file, as on a first start
    import_configuration(GOOGLE)
    assert SECRET not in stored_secret()
