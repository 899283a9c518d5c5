"""What an operator does from a shell, and the first administrator's creation through the
set-up link, are in the audit log like every change made on the admin pages: who (the
command line, or the new administrator), what, and never a secret value."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from nicegui.testing import User
from sqlmodel import col, select

from admin_app.auth.first_administrator import setup_link
from admin_app.core import runtime
from admin_app.core.i18n import translate
from admin_app.services.config_file import import_configuration
from models.db import session_scope
from models.tables import AuditEntry
from models.tables import User as UserRow
from tests.support.accounts import RETRIES, add_user, sign_in
from tests.support.command_line import cli

SECRET = "GOCSPX-the-client-secret"
GOOGLE = f"""\
services:
  google:
    enabled: true
    settings:
      client_id: 1234.apps.googleusercontent.com
      client_secret: {SECRET}
"""


@pytest.fixture(autouse=True)
def database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", database_url)


def entries() -> list[AuditEntry]:
    with session_scope() as session:
        return list(session.exec(select(AuditEntry).order_by(col(AuditEntry.id))))


def by_command_line(entry: AuditEntry) -> bool:
    return (entry.actor_id, entry.actor_login, entry.address) == (None, "(command line)", "")


def test_config_import_is_audited_without_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "google.yaml"
    source.write_text(GOOGLE)
    assert cli(capsys, monkeypatch, "config", "import", str(source))[0] == 0
    (entry,) = entries()
    assert by_command_line(entry)
    assert (entry.action, entry.target) == ("config.import", "configuration")
    assert entry.details == {
        "sections": ["services"],
        "sites": 0,
        "services": 1,
        "removed_sites": [],
        "applications": 0,
    }
    # a refused import leaves no entry either
    source.write_text("services:\n  facebok: {}\n")
    assert cli(capsys, monkeypatch, "config", "import", str(source))[0] == 1
    assert len(entries()) == 1
    assert SECRET not in json.dumps([e.details for e in entries()])


def test_an_administrator_made_from_the_shell_is_audited(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = cli(
        capsys,
        monkeypatch,
        *("user", "create", "--login", "root", "--email", "root@example.org"),
        *("--admin", "--password-stdin"),
        stdin="s3cret-pass\n",
    )
    assert code == 0, err
    (entry,) = entries()
    assert by_command_line(entry)
    assert (entry.action, entry.target, entry.details) == (
        "administrator.create",
        "root",
        {"via": "command_line"},
    )
    assert "s3cret" not in json.dumps(entry.details)
    # an ordinary user is no administrator action
    cli(capsys, monkeypatch, "user", "create", "--login", "alice", "--email", "a@example.org")
    assert len(entries()) == 1


def test_encryption_enable_and_rotate_key_are_audited_without_keys(
    isolated_settings: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli(capsys, monkeypatch, "db", "upgrade", "--no-token-encryption")[0] == 0
    code, _, err = cli(capsys, monkeypatch, "encryption", "enable")
    assert code == 0, err
    cli(capsys, monkeypatch, "encryption", "enable")  # on already: nothing changed, no entry
    code, _, err = cli(capsys, monkeypatch, "encryption", "rotate-key")
    assert code == 0, err
    new_key = runtime.keyring().active_id
    enabled, rotated = entries()
    assert by_command_line(enabled) and by_command_line(rotated)
    assert (enabled.action, enabled.target) == ("encryption.enable", "encryption")
    assert (rotated.action, rotated.details) == (
        "encryption.rotate_key",
        {"key": new_key, "new_key": True},
    )
    keys = (isolated_settings / "encryption.keys").read_text().split()
    assert not any(key in json.dumps(rotated.details) for key in keys)


async def test_the_first_administrator_from_the_set_up_link_is_audited_as_themselves(
    user: User,
) -> None:
    link = setup_link()
    assert link is not None
    parts = urlsplit(link)
    await user.open(f"{parts.path}?{parts.query}")
    user.find("Login").type("root")
    user.find("E-mail").type("root@example.org")
    user.find("Password").type("long enough pw")
    user.find("Repeat the password").type("long enough pw")
    user.find(marker="setup-submit").click()
    await user.should_see("Active users", retries=RETRIES)
    with session_scope() as session:
        root = session.exec(select(UserRow).where(UserRow.login == "root")).one()
    (entry,) = entries()
    assert (entry.actor_id, entry.actor_login) == (root.id, "root")
    assert (entry.action, entry.target, entry.details) == (
        "administrator.create",
        "root",
        {"via": "setup_link"},
    )


async def test_the_audit_page_names_the_command_line_in_the_readers_language(
    user: User,
) -> None:
    import_configuration(GOOGLE)  # as `config import` does, by the command line
    add_user("root", admin=True)
    await sign_in(user, "root", path="/login?next=/admin/audit")
    operator = "An operator (command line)"
    assert await audit_row(user) == (operator, f"{operator} imported a configuration file")
    user.http_client.headers["Accept-Language"] = "ru"
    await user.open("/admin/audit")
    actor, _sentence = await audit_row(user)
    assert actor == translate(operator, "ru")


async def audit_row(user: User) -> tuple[str, str]:
    """The only entry's actor and sentence."""
    await user.should_see(marker="audit-table", retries=RETRIES)
    table = user.find(marker="audit-table").elements.pop()
    (row,) = table.rows  # type: ignore[attr-defined]
    return row["actor"], row["sentence"]
