"""The ``socialservices`` command line: the command groups, assembled, and ``run``.

Every failure an operator can cause ends in one line on stderr: exit code 2 for a bad
argument, 1 for anything else (a setting that cannot be used, a login already taken).
Each group lives in its own module and registers itself on the command.
"""

from __future__ import annotations

import typer
from sqlalchemy.exc import SQLAlchemyError

from admin_app.cli import (
    backup,
    config,
    db,
    encryption,
    hashtags,
    housekeeping,
    oidc,
    serve,
    services,
    user,
)
from admin_app.cli.terminal import _, print_error
from admin_app.cli.usage_errors import is_a, usage_message
from admin_app.core.settings import SettingsError
from models.db import driver_reason

#: each registers itself; the groups are listed by ``--help`` in this order
COMMAND_GROUPS = (
    serve,
    db,
    backup,
    user,
    config,
    services,
    encryption,
    oidc,
    hashtags,
    housekeeping,
)


def build_cli() -> typer.Typer:
    cli = typer.Typer(
        name="socialservices",
        help=_("Sign-in with external services for your sites: server and administration."),
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    for group in COMMAND_GROUPS:
        group.register(cli)
    return cli


def run(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code instead of raising."""
    command = typer.main.get_command(build_cli())
    try:
        result = command.main(args=argv, prog_name="socialservices", standalone_mode=False)
    except typer.TyperException as error:  # click's UsageError (exit code 2) and kin
        if is_a(error, "NoArgsIsHelpError"):
            typer.echo(error.format_message())  # the command's help, which is what was wanted
            return 0
        message = usage_message(error)
        context = getattr(error, "ctx", None)
        if error.exit_code == 2 and context is not None:
            message += " " + _("(see {command} --help)").format(command=context.command_path)
        print_error(message)
        return error.exit_code
    except typer.Abort:
        return 1
    except SettingsError as error:
        print_error(error.translated(_))
        return 1
    except SQLAlchemyError as error:  # e.g. the database is locked or went away meanwhile
        print_error(_("the database failed: {reason}").format(reason=driver_reason(error)))
        return 1
    return result if isinstance(result, int) else 0
