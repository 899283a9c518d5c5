"""What every command shares: the operator's language, one-line errors, a ready database.

The command line speaks the terminal's language (``LANG``), not a browser's, so its ``_``
is its own; errors are one line on stderr, as the command line's docstring promises.
"""

from __future__ import annotations

from typing import NoReturn

import typer

from admin_app.core import startup
from admin_app.core.i18n import terminal_language, translate
from admin_app.core.settings import Settings, load_settings


def _(message: str) -> str:
    return translate(message, terminal_language())


def print_error(message: str) -> None:
    typer.echo(_("error: {message}").format(message=message), err=True)


def fail(message: str, code: int = 1) -> NoReturn:
    print_error(message)
    raise typer.Exit(code)


def prepared_settings() -> Settings:
    """The settings, with the database brought up to date: what most commands need first."""
    settings = load_settings()
    startup.prepare(settings)
    return settings
