"""``socialservices hashtags``: importing the posts with the listed hashtags."""

from __future__ import annotations

import asyncio

import typer

from admin_app.cli.terminal import _, prepared_settings


def register(cli: typer.Typer) -> None:
    hashtags_cli = typer.Typer(
        help=_("Posts on X with the listed hashtags, imported into the live feed."),
        no_args_is_help=True,
    )
    cli.add_typer(hashtags_cli, name="hashtags")

    @hashtags_cli.command(
        "import", help=_("Import now, once (the server also does it every few minutes).")
    )
    def hashtags_import() -> None:
        from admin_app.activity import hashtag_import

        prepared_settings()
        report = asyncio.run(hashtag_import.import_round())
        if not report.ran:
            typer.echo(_(hashtag_import.SKIPPED[report.reason]))
            return
        for note in report.notes:
            message = hashtag_import.NOTES[note["problem"]]
            typer.echo(_(message).format(**note))
        typer.echo(_("Posts imported: {count}").format(count=report.imported))
