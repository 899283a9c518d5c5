"""``socialservices user``: creating and listing accounts."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from admin_app.admin import user_directory
from admin_app.cli.terminal import _, fail, prepared_settings
from admin_app.core.messages import user_data_error_text
from models.users import UserDataError


def register(cli: typer.Typer) -> None:
    user_cli = typer.Typer(help=_("User accounts."), no_args_is_help=True)
    cli.add_typer(user_cli, name="user")

    @user_cli.command("create", help=_("Create a user; with --admin, an administrator."))
    def user_create(
        login: Annotated[str, typer.Option(help=_("Login (3 to 100 characters)."))],
        email: Annotated[str, typer.Option(help=_("E-mail address."))],
        admin: Annotated[bool, typer.Option(help=_("Make the user an administrator."))] = False,
        password_stdin: Annotated[
            bool, typer.Option(help=_("Read the password from the first line of stdin."))
        ] = False,
    ) -> None:
        if not email.strip():
            raise typer.BadParameter(_("must not be empty"), param_hint="--email")
        if admin and not password_stdin:
            raise typer.BadParameter(
                _("an administrator signs in with a password: add --password-stdin"),
                param_hint="--admin",
            )
        password = _read_password() if password_stdin else None
        prepared_settings()
        try:
            user_id = user_directory.create_account(
                login=login, email=email, password=password, admin=admin
            )
        except UserDataError as error:
            code = 1 if error.code.endswith("_taken") else 2
            fail(user_data_error_text(error, _), code)
        typer.echo(_("Created user {login} (id {id}).").format(login=login.strip(), id=user_id))

    @user_cli.command("list", help=_("List users."))
    def user_list(
        as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
    ) -> None:
        prepared_settings()
        users = user_directory.account_summaries()
        if as_json:
            typer.echo(json.dumps(list(users), ensure_ascii=False, indent=2))
            return
        for user in users:
            groups = ", ".join(user["groups"])
            state = "" if user["active"] else " " + _("(blocked)")
            typer.echo(f"{user['id']}\t{user['login']}\t{user['email'] or '-'}\t{groups}{state}")


def _read_password() -> str:
    try:
        password = sys.stdin.readline().rstrip("\r\n")
        password.encode()
    except UnicodeError:
        raise typer.BadParameter(
            _("standard input is not UTF-8 text"), param_hint="--password-stdin"
        ) from None
    if not password:
        raise typer.BadParameter(
            _("standard input gave no password"), param_hint="--password-stdin"
        )
    return password
