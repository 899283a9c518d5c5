"""``socialservices db``: the database schema."""

from __future__ import annotations

from typing import Annotated

import typer

from admin_app.admin import encryption
from admin_app.cli.terminal import _, fail
from admin_app.core import startup
from admin_app.core.settings import Settings, load_settings


def register(cli: typer.Typer) -> None:
    db_cli = typer.Typer(help=_("Database schema."), no_args_is_help=True)
    cli.add_typer(db_cli, name="db")

    @db_cli.command("upgrade", help=_("Bring the database schema up to date, and nothing else."))
    def db_upgrade(
        no_token_encryption: Annotated[
            bool,
            typer.Option(
                "--no-token-encryption",
                help=_(
                    "Create the database with token encryption off, for one that will receive "
                    "plain-text tokens from elsewhere. Applies only to a database being "
                    "created (or brought to the version that encrypts)."
                ),
            ),
        ] = False,
    ) -> None:
        settings = load_settings()
        startup.prepare(settings, token_encryption=not no_token_encryption)
        if no_token_encryption and encryption.status().enabled:
            fail(
                _(
                    "this database exists already, with token encryption on: it stays on "
                    "(--no-token-encryption applies only to a database being created)"
                )
            )
        typer.echo(_("The database is up to date: {url}").format(url=_safe_url(settings)))


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.sqlalchemy_url).render_as_string(hide_password=True)
