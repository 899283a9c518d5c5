"""The socialservices command: its sub-commands and its one-line errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.command_line import BINARY, cli


def create_root(capsys, monkeypatch) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    return cli(
        capsys,
        monkeypatch,
        "user",
        "create",
        "--login",
        "root",
        "--email",
        "root@example.org",
        "--admin",
        "--password-stdin",
        stdin="s3cret-pass\n",
    )


def test_every_command_has_help() -> None:
    for command in (
        [],
        ["serve"],
        ["db"],
        ["db", "upgrade"],
        ["user"],
        ["user", "create"],
        ["user", "list"],
        ["encryption"],
        ["encryption", "status"],
        ["encryption", "enable"],
        ["encryption", "rotate-key"],
        ["encryption", "resume"],
        ["encryption", "new-key"],
        ["housekeeping"],
        ["housekeeping", "run"],
    ):
        result = subprocess.run([BINARY, *command, "--help"], capture_output=True, text=True)
        assert result.returncode == 0, (command, result.stderr)
        assert "Usage:" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["frobnicate"],
        ["user", "create", "--bogus"],
        ["user", "create", "--login", "root"],
        ["serve", "--port", "0"],
        ["serve", "--port", "eighty"],
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(args: list[str]) -> None:
    result = subprocess.run([BINARY, *args], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr


def test_create_administrator_and_list_as_json(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, out, err = create_root(capsys, monkeypatch)
    assert (code, err) == (0, "")
    assert "Created user root" in out
    cli(capsys, monkeypatch, "user", "create", "--login", "alice", "--email", "alice@example.org")
    code, out, _ = cli(capsys, monkeypatch, "user", "list", "--json")
    users = json.loads(out)
    assert [(u["login"], u["groups"], u["has_password"]) for u in users] == [
        ("root", ["Administrators", "Registered users"], True),
        ("alice", ["Registered users"], False),
    ]
    assert "password_hash" not in out and "s3cret" not in out


def test_the_created_administrator_can_sign_in(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from models.db import session_scope
    from models.users import find_by_login_or_email, is_administrator, password_is_right

    create_root(capsys, monkeypatch)
    with session_scope() as session:
        user = find_by_login_or_email(session, "root")
        assert password_is_right(session, user, "s3cret-pass")
        assert user is not None and is_administrator(session, user.id or 0)


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (["--login", "root", "--email", "x@example.org", "--admin"], "", 2, "add --password-stdin"),
        (
            ["--login", "root", "--email", "x@example.org", "--password-stdin"],
            "\n",
            2,
            "standard input gave no password",
        ),
        (
            ["--login", "root", "--email", "x@example.org", "--password-stdin"],
            "short\n",
            2,
            "A password has 8 to 1024 characters.",
        ),
        (["--login", "r", "--email", "x@example.org"], "", 2, "A login has 3 to 100"),
        (["--login", "root", "--email", "not-mail"], "", 2, "not a valid e-mail"),
    ],
)
def test_bad_user_values(capsys, monkeypatch, args, stdin, code, message) -> None:  # type: ignore[no-untyped-def]
    result = cli(capsys, monkeypatch, "user", "create", *args, stdin=stdin)
    assert result[0] == code
    assert message in result[2] and len(result[2].strip().splitlines()) == 1
    assert json.loads(cli(capsys, monkeypatch, "user", "list", "--json")[1]) == []


def test_taken_login_exits_1(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cli(capsys, monkeypatch, "user", "create", "--login", "alice", "--email", "a@example.org")
    code, _, err = cli(
        capsys, monkeypatch, "user", "create", "--login", "ALICE", "--email", "b@example.org"
    )
    assert code == 1 and err.strip() == "error: This login is already taken."


def test_db_upgrade_reports_the_database(capsys, monkeypatch, isolated_settings: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, monkeypatch, "db", "upgrade")
    assert code == 0 and "socialservices.db" in out
    assert (isolated_settings / "socialservices.db").exists()


def test_bad_setting_is_one_line_exit_1(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", "mysql://root@localhost/db")
    code, _, err = cli(capsys, monkeypatch, "db", "upgrade")
    assert code == 1
    assert err.strip() == (
        "error: SOCIALSERVICES_DATABASE_URL: unsupported database 'mysql' (use sqlite or postgresql)"
    )


def test_russian_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"LANGUAGE": "ru", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [BINARY, "user", "create", "--login", "x", "--email", "a@b.cd"],
        capture_output=True,
        text=True,
        env={**env, "SOCIALSERVICES_DATA_DIR": str(Path.cwd() / "data")},
    )
    assert result.returncode == 2
    assert result.stderr.startswith("ошибка: Логин должен содержать")
