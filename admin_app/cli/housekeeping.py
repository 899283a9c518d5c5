"""``socialservices housekeeping``: deleting what is past its retention."""

from __future__ import annotations

import typer

from admin_app.cli.terminal import _, prepared_settings


def register(cli: typer.Typer) -> None:
    housekeeping_cli = typer.Typer(
        help=_("Deleting sign-in events and sent activities past their retention."),
        no_args_is_help=True,
    )
    cli.add_typer(housekeeping_cli, name="housekeeping")

    @housekeeping_cli.command(
        "run", help=_("Run one round now, e.g. from cron (the server does it daily).")
    )
    def housekeeping_run() -> None:
        from admin_app.admin import housekeeping

        prepared_settings()
        purged = housekeeping.run_round()
        typer.echo(
            _(
                "Deleted {events} sign-in events and {deliveries} sent or cancelled activities."
            ).format(events=purged.sign_in_events, deliveries=purged.deliveries)
        )
